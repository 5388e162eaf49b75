/**
 * Bugs and guards found trying the product as a new MSP (issue 20), in the browser, in the seeded demo tenant:
 * B2 an HTML-only mail opens Formatted and its text keeps table cells apart; the blocklist asks before dropping
 * a free-mail provider whole.
 */
import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import nodemailer from "nodemailer";
import { sendMail } from "../test/support/mta";
import { instanceNamed } from "./support/instances";

const MAILBOX = "support@demo.in.localhost";

test("B2 an HTML-only mail with a table opens Formatted, and its Text view keeps the cells apart", async ({ page }, testInfo) => {
  const run = randomBytes(3).toString("hex");
  const subject = `Order confirmation ${run}`;
  // An HTML-only message (no text part), as shop systems send them.
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows" });
  const info = await transport.sendMail({
    from: `Vendor Shop <orders@vendor-b2-${run}.test>`,
    to: MAILBOX,
    subject,
    html: `<p>Your order ${run}:</p><table><tr><th>Item</th><th>Qty</th></tr><tr><td>LT-1001</td><td>14</td></tr></table>`,
  });
  const raw = info.message as Buffer;
  const sent = await sendMail({ port: instanceNamed(testInfo.project.name).smtpPort }, { from: `orders@vendor-b2-${run}.test`, to: [MAILBOX], data: raw });
  expect(sent.final?.code, JSON.stringify(sent.final)).toBe(250);

  await page.goto("/tickets");
  await page.getByRole("link", { name: new RegExp(subject) }).click();
  const card = page.getByTestId("thread-message").filter({ hasText: `orders@vendor-b2-${run}.test` });
  await expect(card.getByRole("button", { name: "Formatted" })).toHaveAttribute("aria-pressed", "true");
  await expect(card.locator("iframe")).toBeVisible();
  await card.getByRole("button", { name: "Text" }).click();
  await expect(card).toContainText("LT-1001");
  await expect(card).not.toContainText("LT-100114");
  expect(await card.textContent()).toMatch(/LT-1001\s+14/);
});

test("R-BL-1 guards: blocking gmail.com whole asks for confirmation naming what it drops; Cancel blocks nothing", async ({ page }) => {
  await page.goto("/settings/email-gateway/blocklist");
  const gmailRows = page.getByTestId("blocklist-row").filter({ hasText: "gmail.com" });
  await expect(page.getByRole("heading", { name: "Blocklist", level: 1 })).toBeVisible();
  const before = await gmailRows.count();
  const add = page.getByRole("region", { name: "Block a sender" });
  await add.getByLabel("Address, domain or pattern").fill("gmail.com");
  await add.getByRole("button", { name: "Block" }).click();
  const dialog = page.getByRole("dialog", { name: "Block gmail.com?" });
  await expect(dialog.getByTestId("block-impact")).toContainText("gmail.com is a free-mail provider");
  await page.screenshot({ path: `test-results/blocklist-confirm-${test.info().project.name}.png` });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(gmailRows).toHaveCount(before);
});
