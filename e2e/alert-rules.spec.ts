/**
 * R-AUTO-2, R-IN-8 in the browser: create alert rules, reorder them, try a message against them, then real alert
 * mail over SMTP: the alert opens a ticket marked Automated, the Tickets list filters on Automated, and the
 * recovery mail closes the ticket. Each project (database) uses senders of its own, so reruns and the other
 * instance never meet.
 */
import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import type { Db } from "../server/db/client";
import { sendMail } from "../test/support/mta";
import { demoTenantId, instanceDb } from "./support/helpers";
import { instanceNamed } from "./support/instances";

const MAILBOX = "support@demo.in.localhost";
const run = randomBytes(3).toString("hex");
const device = `nas${run}`;
const domain = `site-${run}.example`;
const sender = `${device}@${domain}`;

function alertMail(subject: string, body: string): string {
  return [
    `From: ${device.toUpperCase()} <${sender}>`,
    `To: ${MAILBOX}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${Date.now()}.${randomBytes(4).toString("hex")}@${domain}>`,
    "Auto-Submitted: auto-generated",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    body,
    "",
  ].join("\r\n");
}

async function deliver(projectName: string, raw: string) {
  const sent = await sendMail({ port: instanceNamed(projectName).smtpPort }, { from: sender, to: [MAILBOX], data: raw });
  expect(sent.final?.code).toBe(250);
}

test.describe.configure({ mode: "serial" });

test("R-AUTO-2 create, reorder and try alert rules; R-IN-8 an alert opens an Automated ticket and its recovery closes it", async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const degraded = `[${device.toUpperCase()}] Storage Pool 1 on ${device.toUpperCase()} has degraded`;
  const repaired = `[${device.toUpperCase()}] Storage Pool 1 on ${device.toUpperCase()} has been repaired`;

  await page.goto("/settings/email-gateway/alert-rules");
  await expect(page.getByRole("heading", { name: "Alert rules", exact: true })).toBeVisible();

  // An invalid rule gets its message next to the field; nothing is saved.
  await page.getByRole("button", { name: "New rule" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill(`Everything ${run}`);
  await dialog.getByRole("button", { name: "Add rule" }).click();
  await expect(dialog.getByText("a rule without conditions would catch all mail")).toBeVisible();

  // The alert rule: the device's mail opens a ticket.
  await dialog.getByLabel("Name").fill(`NAS ${run}`);
  await dialog.getByLabel("Sender").fill(sender);
  await dialog.getByRole("button", { name: "Add rule" }).click();
  await expect(dialog).toBeHidden();

  // The recovery rule, added after it: it must be moved up to be checked first.
  await page.getByRole("button", { name: "New rule" }).click();
  await dialog.getByLabel("Name").fill(`NAS recovery ${run}`);
  await dialog.getByLabel("Sender").fill(domain);
  await dialog.getByLabel("Subject text").fill("has been repaired");
  await dialog.getByLabel("Then").selectOption("CLOSE");
  await dialog.getByRole("button", { name: "Add rule" }).click();
  await expect(dialog).toBeHidden();

  const rows = page.getByTestId("alert-rule-row");
  const names = async () => (await rows.allInnerTexts()).filter((t) => t.includes(run)).map((t) => (t.includes("recovery") ? "recovery" : "nas"));
  await expect.poll(names).toEqual(["nas", "recovery"]);
  await page.getByRole("button", { name: `Move NAS recovery ${run} up` }).click();
  await expect.poll(names).toEqual(["recovery", "nas"]);

  // Try the recovery mail before it exists: the recovery rule matches; with no open ticket it would be dropped.
  const tryCard = page.getByRole("form", { name: "Try a message" });
  await tryCard.getByLabel("Raw message").fill(alertMail(repaired, "The system is healthy."));
  await tryCard.getByRole("button", { name: "Try it" }).click();
  await expect(page.getByTestId("try-rule")).toContainText(`NAS recovery ${run}`);
  await expect(page.getByTestId("try-outcome")).toContainText("no open ticket from this sender to close");
  // And the alert: the NAS rule, a new Automated ticket, never acknowledged.
  await tryCard.getByLabel("Raw message").fill(alertMail(degraded, "Drive 3 has failed."));
  await tryCard.getByRole("button", { name: "Try it" }).click();
  await expect(page.getByTestId("try-rule")).toContainText(`NAS ${run}`);
  await expect(page.getByTestId("try-outcome")).toHaveText("opened a new ticket, marked Automated");
  await page.screenshot({ path: `e2e/screenshots/alert-rules-${testInfo.project.name}.png`, fullPage: true });

  // Real mail: the alert becomes an Automated ticket.
  await deliver(testInfo.project.name, alertMail(degraded, "Drive 3 has failed."));
  await page.goto("/tickets?automated=only");
  const row = page.getByRole("row").filter({ hasText: degraded });
  await expect(row).toBeVisible();
  await expect(row.getByText("Automated", { exact: true })).toBeVisible();
  await expect(page.getByRole("combobox", { name: "Kind" })).toHaveValue("only");
  // Filtered to mail from people, it is not there.
  await page.getByRole("combobox", { name: "Kind" }).selectOption("exclude");
  await expect(page).toHaveURL(/automated=exclude/);
  await expect(page.getByRole("row").filter({ hasText: degraded })).toHaveCount(0);

  // The recovery mail is appended and closes it.
  await deliver(testInfo.project.name, alertMail(repaired, "The system is healthy."));
  const db: Db = instanceDb(testInfo.project.name);
  try {
    const tenantId = await demoTenantId(db);
    await expect
      .poll(async () => (await db.ticket.findFirst({ where: { tenantId, subject: degraded }, select: { status: true } }))?.status)
      .toBe("CLOSED");
    const ticket = await db.ticket.findFirstOrThrow({ where: { tenantId, subject: degraded } });
    await page.goto(`/tickets/${ticket.id}`);
    await expect(page.getByText("The system is healthy.")).toBeVisible();
    await expect(page.getByText("The gateway changed the status from Open")).toBeVisible();
    await expect(page.getByText("Automated", { exact: true }).first()).toBeVisible();
  } finally {
    await db.$disconnect();
  }
});
