/**
 * Issue 20, bugs found trying the product as a new MSP admin: B3 (the Unattributed "By domain" chips stopped at 8),
 * B4 (Esc while a sending domain was being created hid a domain that was made anyway), B7 (an inverted date range on
 * Activity left no table and no word of why). A tenant of its own, mail in over SMTP.
 */
import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import type { Db } from "../server/db/client";
import { createTenant } from "../server/tenants/create-tenant";
import { createUser } from "../server/users/create-user";
import { sendMail } from "../test/support/mta";
import { instanceDb, signedInPage } from "./support/helpers";
import { instanceNamed } from "./support/instances";

test.describe.configure({ mode: "serial", timeout: 60_000 });

const SLUG = "newbie";
const MAILBOX = `support@${SLUG}.in.localhost`;
const ADMIN = { email: "admin@newbie.e2e.test", password: "newbie-admin-password-1" };
/** Twelve sender domains: more than the eight chips shown at first. */
const DOMAINS = Array.from({ length: 12 }, (_, i) => `sender-${String(i + 1).padStart(2, "0")}.test`);

let db: Db;
let page: Page;
let tenantId: string;

test.beforeAll(async ({ browser, baseURL }, testInfo) => {
  const instance = instanceNamed(testInfo.project.name);
  db = instanceDb(testInfo.project.name);
  tenantId = (await createTenant(db, { slug: SLUG, name: "Newbie MSP" })).id;
  await createUser(db, tenantId, { name: "Nina Newbie", email: ADMIN.email, role: "ADMIN", password: ADMIN.password });
  for (const domain of DOMAINS) {
    const from = `someone@${domain}`;
    const raw = [
      `From: ${from}`,
      `To: ${MAILBOX}`,
      `Subject: Hello from ${domain}`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${randomBytes(8).toString("hex")}@${domain}>`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Hello.",
      "",
    ].join("\r\n");
    const sent = await sendMail({ port: instance.smtpPort }, { from, to: [MAILBOX], data: raw });
    expect(sent.final?.code).toBe(250);
  }
  page = await signedInPage(browser, baseURL, ADMIN);
});

test.afterAll(async () => {
  await page?.context().close();
  await db?.$disconnect();
});

test("B3 the Unattributed “By domain” chips end in “+N more”, which reveals every domain", async () => {
  await page.goto("/unattributed");
  const chips = page.getByRole("group", { name: "Filter by sender domain" });
  await expect(chips.getByRole("button", { name: /^sender-\d\d\.test/ })).toHaveCount(8);
  const more = chips.getByRole("button", { name: "+4 more" });
  await expect(more).toHaveAttribute("aria-expanded", "false");
  await more.click();
  await expect(chips.getByRole("button", { name: /^sender-\d\d\.test/ })).toHaveCount(12);
  // The last one is reachable and filters the queue.
  await chips.getByRole("button", { name: /^sender-12\.test/ }).click();
  await expect(page.getByTestId("unattributed-row")).toHaveCount(1);
  await expect(page.getByTestId("unattributed-row")).toContainText("Hello from sender-12.test");
  // Fewer folds them again, keeping the active filter's chip in view.
  await chips.getByRole("button", { name: "Fewer" }).click();
  await expect(chips.getByRole("button", { name: /^sender-\d\d\.test/ })).toHaveCount(9);
  await expect(chips.getByRole("button", { name: /^sender-12\.test/ })).toHaveAttribute("aria-pressed", "true");
});

test("B4 Esc while the DKIM key is generated does not pretend to cancel: the dialog stays until the domain exists, then opens it", async () => {
  await page.goto("/settings/email-gateway/sending-domains");
  await expect(page.getByRole("heading", { name: "No sending domains yet" })).toBeVisible();
  // Hold the add request until Esc has been pressed, so "Generating the DKIM key…" is on screen for sure.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let seen!: () => void;
  const requested = new Promise<void>((resolve) => (seen = resolve));
  await page.route(
    (url) => url.pathname.includes("sendingDomains.add"),
    async (route) => {
      seen();
      await held;
      await route.continue();
    },
  );
  await page.getByRole("button", { name: "Add domain" }).first().click();
  const dialog = page.getByRole("dialog", { name: "Add a sending domain" });
  await dialog.getByLabel("Domain").fill("newbie-msp.test");
  await dialog.getByRole("button", { name: "Add domain" }).click();
  await requested;
  await expect(dialog.getByRole("button", { name: "Generating the DKIM key…" })).toBeDisabled();
  await expect(dialog.getByRole("status")).toHaveText("Creating the domain: this cannot be cancelled.");
  await page.keyboard.press("Escape");
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeDisabled();
  await expect(dialog.getByRole("button", { name: "Close" })).toBeDisabled();
  await expect(dialog).toBeVisible();
  release();
  // The domain was made, and the product says so by opening it.
  await expect(page.getByRole("heading", { level: 1, name: "newbie-msp.test" })).toBeVisible();
  await page.unroute((url) => url.pathname.includes("sendingDomains.add"));
  expect(await db.sendingDomain.count({ where: { tenantId } })).toBe(1);
  // Cancel before sending creates nothing.
  await page.goto("/settings/email-gateway/sending-domains");
  await page.getByRole("button", { name: "Add domain" }).first().click();
  await dialog.getByLabel("Domain").fill("never-made.test");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("sending-domain-row")).toHaveCount(1);
  expect(await db.sendingDomain.count({ where: { tenantId } })).toBe(1);
});

test("B7 an inverted date range on Activity: the error next to the field and a said invalid state, not a vanished table", async () => {
  await page.goto("/settings/email-gateway/activity");
  await expect(page.getByRole("table", { name: "Activity" })).toBeVisible();
  await page.getByLabel("From date").fill("2026-12-10");
  await page.getByLabel("To date (included)").fill("2026-12-01");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByLabel("To date (included)")).toHaveAccessibleDescription("The end of the range must be after its start.");
  await expect(page.getByRole("heading", { level: 2, name: "These filters cannot be applied" })).toBeVisible();
  await expect(page.getByText("Correct the field marked above and apply the filters again")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(page.getByRole("table", { name: "Activity" })).toBeVisible();
  await expect(page.getByTestId("activity-row").filter({ hasText: "Hello from sender-12.test" }).first()).toBeVisible();
  await expect(page.getByLabel("From date")).toHaveValue("");
});
