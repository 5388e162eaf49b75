/**
 * R-HEALTH-1, R-HEALTH-3, R-HEALTH-4 in the browser, on both instances: an admin of a tenant of its own names the
 * MSP's public support address on the Inbound page; the instance mails canaries (every few seconds here) through
 * its receiving MTA, and this spec plays the MSP's forward, handing each canary back to the tenant mailbox over
 * SMTP. The Health page shows forwarding green; once the spec stops forwarding it turns red ("Forwarding broken
 * since …") with the banner on every page and an alert mail to the admin.
 */
import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { createTenant } from "../server/tenants/create-tenant";
import { createUser } from "../server/users/create-user";
import { sendMail } from "../test/support/mta";
import { instanceDb, shootFullPage, signIn } from "./support/helpers";
import { instanceNamed } from "./support/instances";
import { deliveredMail, waitForDelivered } from "./support/receiving-mta";

test.describe.configure({ mode: "serial" });

/** Forwards every canary sent to `address` back to `mailbox` (once each) until stopped. */
function startForwarder(projectName: string, address: string, mailbox: string) {
  const done = new Set<string>();
  let running = true;
  const smtpPort = instanceNamed(projectName).smtpPort;
  const loop = (async () => {
    while (running) {
      for (const m of await deliveredMail(projectName)) {
        const id = m.parsed.messageId ?? "";
        if (!m.recipients.includes(address) || done.has(id)) continue;
        done.add(id);
        await sendMail({ port: smtpPort }, { from: "forwarder@msp-mail.example", to: [mailbox], data: m.raw });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    forwarded: () => done.size,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

test("R-HEALTH-1 R-HEALTH-3 R-HEALTH-4 the Health page: green through the forward, red with banner and alert mail once it breaks", async ({ browser, baseURL }, testInfo) => {
  test.setTimeout(240_000);
  const project = testInfo.project.name;
  const slug = `health-${project}-${randomBytes(3).toString("hex")}`;
  const admin = `admin@${slug}.example`;
  const password = "health-admin-0001";
  const publicAddress = `help@msp-${slug}.example`;
  const mailbox = `support@${slug}.in.localhost`;
  const db = instanceDb(project);
  try {
    const tenant = await createTenant(db, { slug, name: "Health MSP" });
    await createUser(db, tenant.id, { name: "Ada Admin", email: admin, role: "ADMIN", password });
  } finally {
    await db.$disconnect();
  }
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await signIn(page, admin, password);
  const shots = `e2e/screenshots/health-${project}`;

  // Before any address: forwarding is "not set up", with a link to set it up.
  await page.goto("/settings/email-gateway/health");
  await expect(page.getByRole("heading", { name: "Health", level: 1 })).toBeVisible();
  await expect(page.getByTestId("health-item").filter({ hasText: "Not watched" })).toBeVisible();

  // The Inbound page takes the public support address.
  await page.goto("/settings/email-gateway/inbound");
  const canaryCard = page.getByRole("region", { name: "Forwarding canary" });
  await canaryCard.getByLabel("Public support addresses").fill(publicAddress);
  await canaryCard.getByRole("button", { name: "Save" }).click();
  await expect(canaryCard.getByText("Saved. Results appear on the")).toBeVisible();

  // The spec forwards: the first canary comes back and the page goes green.
  const forwarder = startForwarder(project, publicAddress, mailbox);
  const forwardingItem = page.getByTestId("health-item").filter({ hasText: `Forwarding from ${publicAddress}` });
  try {
    await page.goto("/settings/email-gateway/health");
    await expect(async () => {
      await page.reload();
      await expect(forwardingItem).toHaveAttribute("data-level", "ok", { timeout: 8_000 });
    }).toPass({ timeout: 120_000 });
    await expect(page.getByTestId("health-overall")).toHaveAttribute("data-level", "ok");
    await expect(forwardingItem).toContainText("come back through the forward (last round trip");
    await expect(page.getByTestId("health-banner")).toHaveCount(0);
    await shootFullPage(page, `${shots}-green.png`);
    expect(forwarder.forwarded()).toBeGreaterThan(0);
  } finally {
    await forwarder.stop();
  }

  // The forward breaks: two canaries in a row do not come back.
  await expect(async () => {
    await page.reload();
    await expect(forwardingItem).toHaveAttribute("data-level", "problem", { timeout: 8_000 });
  }).toPass({ timeout: 120_000 });
  await expect(forwardingItem).toContainText("Forwarding broken since");
  await expect(forwardingItem.getByRole("link", { name: "Fix" })).toHaveAttribute("href", "/settings/email-gateway/inbound");
  await expect(page.getByTestId("health-overall")).toHaveAttribute("data-level", "problem");
  const banner = page.getByTestId("health-banner");
  await expect(async () => {
    await page.reload();
    await expect(banner).toContainText(`Forwarding from ${publicAddress}`, { timeout: 8_000 });
  }).toPass({ timeout: 60_000 });
  await shootFullPage(page, `${shots}-red.png`);

  // The banner follows the admin to Tickets, next to the compact summary; the alert mail reached the admin.
  await page.goto("/tickets");
  await expect(banner).toBeVisible();
  await expect(page.getByTestId("health-summary")).toContainText(`Forwarding from ${publicAddress}`);
  const alert = await waitForDelivered(project, (m) => m.recipients.includes(admin) && m.parsed.subject === `Problem: Forwarding from ${publicAddress}`, 30_000);
  expect(alert.parsed.text).toContain("Forwarding broken since");

  // Phone width: no sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/settings/email-gateway/health");
  await expect(forwardingItem).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: `${shots}-phone.png`, fullPage: true });
  await context.close();
});
