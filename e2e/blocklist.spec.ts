import { expect, test } from "@playwright/test";
import { sendMail } from "../test/support/mta";
import { instanceNamed } from "./support/instances";
import { reloadUntil } from "./support/helpers";

test.describe.configure({ mode: "serial" });

function rawMessage(from: string, to: string, subject: string): string {
  const id = `<${Date.now()}.${Math.random().toString(36).slice(2)}@spam-domain.co>`;
  return [
    `From: Spammer <${from}>`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${id}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Buy cheap things now.",
    "",
  ].join("\r\n");
}

test("R-BL-1 block a pattern, refuse an invalid one, drop real mail, unblock and keep the history", async ({
  page,
}, testInfo) => {
  await page.goto("/settings/email-gateway/blocklist");
  await expect(page.getByRole("heading", { name: "Blocklist", level: 1 })).toBeVisible();
  const form = page.getByRole("region", { name: "Block a sender" });
  const value = form.getByLabel("Address, domain or pattern");
  await expect(form.getByText("someone@example.com")).toBeVisible();
  await expect(form.getByText("*@spam-domain.co")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Nobody is blocked" })).toBeVisible();

  // An invalid pattern is refused next to its field, and nothing is added.
  await value.fill("*");
  await form.getByRole("button", { name: "Block" }).click();
  await expect(value).toHaveAccessibleDescription(/would block every sender/);
  await expect(value).toHaveAttribute("aria-invalid", "true");

  await value.fill("*@Spam-Domain.co");
  await form.getByLabel("Note (optional)").fill("Bulk spam campaign");
  await form.getByRole("button", { name: "Block" }).click();
  await expect(form.getByRole("status")).toHaveText("*@spam-domain.co is blocked.");
  const table = page.getByRole("table", { name: "Blocked senders" });
  const row = table.getByTestId("blocklist-row").filter({ hasText: "*@spam-domain.co" });
  await expect(row).toBeVisible();
  await expect(row.getByText("Pattern", { exact: true })).toBeVisible();
  await expect(row.getByText("Bulk spam campaign")).toBeVisible();
  await expect(row.getByTestId("blocklist-drops")).toContainText("0 messages");

  // The same entry twice is refused in plain words.
  await value.fill("*@spam-domain.co");
  await form.getByRole("button", { name: "Block" }).click();
  await expect(value).toHaveAccessibleDescription("The pattern *@spam-domain.co is already blocked.");

  // Search by value and by note.
  const search = page.getByLabel("Search the blocklist");
  await search.fill("campaign");
  await expect(row).toBeVisible();
  await search.fill("no-such-sender");
  await expect(page.getByText("No blocked senders match “no-such-sender”.")).toBeVisible();
  await search.fill("");

  // Real mail over SMTP to this instance: accepted (no bounce), dropped before a ticket is made.
  const instance = instanceNamed(testInfo.project.name);
  const to = "support@demo.in.localhost";
  const sent = await sendMail(
    { port: instance.smtpPort },
    { from: "x@spam-domain.co", to: [to], data: rawMessage("x@spam-domain.co", to, "Cheap things") },
  );
  expect(sent.rcpt[0]?.code).toBe(250);
  expect(sent.final?.code).toBe(250);

  await reloadUntil(page, row.getByTestId("blocklist-drops"), () =>
    expect(row.getByTestId("blocklist-drops")).toContainText("1 message", { timeout: 2_000 }),
  );
  await expect(row.getByTestId("blocklist-drops")).toContainText("last ");
  await page.screenshot({ path: `e2e/screenshots/blocklist-${testInfo.project.name}.png`, fullPage: true });

  // Unblock, with a confirmation: gone from the active list, kept in the history.
  await row.getByRole("button", { name: "Unblock *@spam-domain.co" }).click();
  const dialog = page.getByRole("dialog", { name: "Unblock this sender?" });
  await expect(dialog).toContainText("*@spam-domain.co");
  await dialog.getByRole("button", { name: "Unblock" }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Nobody is blocked" })).toBeVisible();
  const history = page.getByTestId("blocklist-history");
  await expect(history.getByRole("listitem").first()).toContainText("Unblocked*@spam-domain.co");
  await expect(history.getByRole("listitem").nth(1)).toContainText("Blocked*@spam-domain.co");
  await page.reload();
  await expect(page.getByTestId("blocklist-history").getByRole("listitem")).toHaveCount(2);
  await expect(page.getByTestId("blocklist-history").getByRole("listitem").first()).toContainText("Unblocked");
});
