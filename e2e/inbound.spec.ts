import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { createTenant } from "../server/tenants/create-tenant";
import { createUser } from "../server/users/create-user";
import { sendMail } from "../test/support/mta";
import { instanceDb, signIn } from "./support/helpers";
import { instanceNamed } from "./support/instances";

function rawMessage(from: string, to: string, subject: string, extra: string[] = []): string {
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${Date.now()}.${randomBytes(6).toString("hex")}@e2e.example>`,
    ...extra,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Testing the forwarding.",
    "",
  ].join("\r\n");
}

test("R-X-2 forwarding guides, and the live test shows the ticket a message made and why another was dropped, without a reload", async ({
  browser,
  baseURL,
}, testInfo) => {
  test.setTimeout(90_000);
  // A tenant of its own, so nothing else sending to the demo mailbox shows up in this test.
  const db = instanceDb(testInfo.project.name);
  const slug = `inb-${testInfo.project.name}-${randomBytes(3).toString("hex")}`;
  const email = `admin@${slug}.example`;
  const password = "inbound-admin-0001";
  try {
    const tenant = await createTenant(db, { slug, name: "Inbound MSP" });
    await createUser(db, tenant.id, { name: "Ian Admin", email, role: "ADMIN", password });
  } finally {
    await db.$disconnect();
  }
  const context = await browser.newContext({ baseURL: baseURL!, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await signIn(page, email, password);
  const mailbox = `support@${slug}.in.localhost`;

  await page.goto("/settings/email-gateway/inbound");
  await expect(page.getByTestId("inbound-mailbox")).toHaveText(mailbox);
  await expect(page.getByTestId("auto-ack-card")).toBeVisible();

  // Guides: Microsoft 365 first, with the Forward/Redirect warning; Google Workspace; .forward.
  const guides = page.getByRole("region", { name: "Forwarding guides" });
  await expect(guides.getByRole("tab", { name: "Microsoft 365" })).toHaveAttribute("aria-selected", "true");
  await expect(guides.getByText("Use Redirect, not Forward")).toBeVisible();
  await expect(guides.getByRole("tabpanel")).toContainText("mail flow (transport) rule");
  await expect(guides.getByRole("tabpanel")).toContainText(mailbox);
  await expect(guides.getByText("Turn off auto-replies on the forwarding mailbox")).toBeVisible();
  await guides.getByRole("tab", { name: "Google Workspace" }).click();
  await expect(guides.getByRole("tabpanel")).toContainText("routing rule");
  await expect(guides.getByRole("tabpanel")).toContainText("Also deliver to");
  await guides.getByRole("tab", { name: "Other (.forward)" }).click();
  await expect(guides.getByRole("tabpanel")).toContainText(`\\support, ${mailbox}`);
  await expect(guides.getByText("Turn off auto-replies on the forwarding mailbox")).toBeVisible();
  await guides.getByRole("tab", { name: "Microsoft 365" }).click();

  // The live test.
  const live = page.getByRole("region", { name: "Live forwarding test" });
  await live.getByRole("button", { name: "Start test" }).click();
  await expect(live.getByRole("status")).toContainText("Waiting for mail since");
  await page.screenshot({ path: `e2e/screenshots/inbound-live-waiting-${testInfo.project.name}.png`, fullPage: true });

  const instance = instanceNamed(testInfo.project.name);
  const from = "alice@forwarded-client.co";
  const ok = await sendMail({ port: instance.smtpPort }, { from, to: [mailbox], data: rawMessage(from, mailbox, "Forwarding works?") });
  expect(ok.final?.code).toBe(250);
  const results = live.getByTestId("live-test-result");
  const made = results.filter({ hasText: "Forwarding works?" });
  await expect(made).toContainText("Arrived and made ticket #1", { timeout: 20_000 });
  await expect(made.getByRole("link", { name: "ticket #1" })).toHaveAttribute("href", /^\/tickets\/[a-z0-9]+$/);

  // An auto-reply from the forwarding mailbox is dropped, and the page says which check dropped it.
  const auto = "out-of-office@forwarded-client.co";
  const dropped = await sendMail(
    { port: instance.smtpPort },
    { from: auto, to: [mailbox], data: rawMessage(auto, mailbox, "Automatic reply: I am away", ["Auto-Submitted: auto-replied"]) },
  );
  expect(dropped.final?.code).toBe(250);
  const drop = results.filter({ hasText: "Automatic reply: I am away" });
  await expect(drop.getByTestId("live-test-reason")).toContainText("an auto-reply", { timeout: 20_000 });
  await expect(drop.getByTestId("live-test-reason")).toContainText("does not open a ticket");
  await expect(results).toHaveCount(2);
  await page.screenshot({ path: `e2e/screenshots/inbound-live-${testInfo.project.name}.png`, fullPage: true });
  await context.close();
});
