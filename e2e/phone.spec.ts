/**
 * R-UX-2: every page works at phone width. At 390 × 844 the sidebar is a Menu button that opens the navigation as a
 * drawer (keyboard usable), and no page scrolls sideways: every page of the navigation (as an admin, so all of them
 * show), a ticket, a client and a sending domain. Desktop keeps its fixed sidebar.
 *
 * A tenant of its own, seeded through domain code and real mail over SMTP with long names, addresses, subjects and
 * DNS records: the things that used to push pages wide.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { navigation } from "../components/shell/nav";
import { addBlocklistEntry } from "../server/blocklist/manage-blocklist";
import { createClient } from "../server/clients/create-client";
import type { Db } from "../server/db/client";
import { addSendingDomain } from "../server/sending-domains";
import { createTenant } from "../server/tenants/create-tenant";
import { createUser } from "../server/users/create-user";
import { sendMail } from "../test/support/mta";
import { instanceDb, shootFullPage, signedInPage } from "./support/helpers";
import { instanceNamed } from "./support/instances";

test.describe.configure({ mode: "serial", timeout: 120_000 });

const SLUG = "phone";
const MAILBOX = `support@${SLUG}.in.localhost`;
const ADMIN = { email: "admin@phone.e2e.test", password: "phone-admin-password-1" };
const CLIENT_DOMAIN = "northwind-traders-international-holdings.example";
const SENDER = `accounts-payable.department.notifications@${CLIENT_DOMAIN}`;
const STRANGER = "someone.with.a.remarkably.long.address.indeed@unknown-organisation-of-long-names.example";
const SENDING_DOMAIN = "support-mail.northwind-managed-services-provider.example";
const PHONE = { width: 390, height: 844 };

let db: Db;
let page: Page;
const ids: { ticket: string; client: string; sendingDomain: string } = { ticket: "", client: "", sendingDomain: "" };

function rawMessage(from: string, subject: string): string {
  const domain = from.slice(from.indexOf("@") + 1);
  return [
    `From: "Accounts Payable Department of Northwind" <${from}>`,
    `To: ${MAILBOX}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${randomBytes(24).toString("hex")}.${randomBytes(12).toString("hex")}@${domain}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    `${subject}. The invoice reference is INV-${"0123456789".repeat(8)} and the link is https://${domain}/a/${"x".repeat(120)}`,
    "",
  ].join("\r\n");
}

test.beforeAll(async ({ browser, baseURL }, testInfo) => {
  const instance = instanceNamed(testInfo.project.name);
  db = instanceDb(testInfo.project.name);
  const tenant = await createTenant(db, { slug: SLUG, name: "Northwind Managed Services International" });
  await createUser(db, tenant.id, { name: "Phoebe Phone-Admin", email: ADMIN.email, role: "ADMIN", password: ADMIN.password });
  ids.client = (await createClient(db, tenant.id, { name: "Northwind Traders International Holdings Ltd", primaryDomain: CLIENT_DOMAIN })).id;
  const secret = readFileSync(path.join(instance.dataDir, "app-secret"), "utf8").trim();
  ids.sendingDomain = (await addSendingDomain(db, { tenantId: tenant.id, domain: SENDING_DOMAIN, secret })).id;
  await addBlocklistEntry(db, { tenantId: tenant.id, userId: null, value: "newsletters@bulk-marketing-sender-of-very-long-names.example" });
  const subject = "Quarterly invoice reconciliation for the Northwind accounts payable department is overdue";
  for (const [from, s] of [
    [SENDER, subject],
    [STRANGER, "Unattributed: a message from someone the gateway does not know yet"],
  ] as const) {
    const sent = await sendMail({ port: instance.smtpPort }, { from, to: [MAILBOX], data: rawMessage(from, s) });
    expect(sent.final?.code).toBe(250);
  }
  await expect(async () => {
    const ticket = await db.ticket.findFirst({ where: { tenantId: tenant.id, subject }, select: { id: true } });
    expect(ticket).not.toBeNull();
    ids.ticket = ticket!.id;
    expect(await db.ticket.count({ where: { tenantId: tenant.id } })).toBe(2);
  }).toPass({ timeout: 20_000 });

  page = await signedInPage(browser, baseURL, ADMIN);
});

test.afterAll(async () => {
  await page?.context().close();
  await db?.$disconnect();
});

const shot = (name: string) => `e2e/screenshots/phone-${name}-${test.info().project.name}.png`;

/** The page, once its content has loaded: its h1 shows and no skeleton is left. */
async function settled(heading: string | RegExp) {
  await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
  await expect(page.locator("[aria-busy=true]")).toHaveCount(0);
  await expect(page.getByText(/^Loading\b/)).toHaveCount(0);
}

async function expectNoSidewaysScroll(name: string) {
  const { width, widest } = await page.evaluate((limit) => {
    // The outermost elements that reach past the screen's edge, to name in the failure.
    const clipped = (el: Element) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement)
        if (getComputedStyle(a).overflowX !== "visible") return true;
      return false;
    };
    const past = [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > limit + 0.5 && !clipped(el));
    const outermost = past.filter((el) => !past.includes(el.parentElement!));
    return {
      width: document.documentElement.scrollWidth,
      widest: outermost.slice(0, 5).map((el) => `<${el.tagName.toLowerCase()} class="${el.getAttribute("class") ?? ""}"> ${Math.round(el.getBoundingClientRect().right)}px`),
    };
  }, PHONE.width);
  expect.soft(width, `${name} is ${width} px wide at 390 px: ${widest.join(" · ")}`).toBeLessThanOrEqual(PHONE.width);
  await page.screenshot({ path: shot(name), fullPage: true });
}

test("R-UX-2 below 1024 px the navigation is a menu: a drawer that the keyboard opens, Esc closes and focus returns", async () => {
  await page.setViewportSize(PHONE);
  await page.goto("/tickets");
  await settled("Tickets");
  const menu = page.getByRole("button", { name: "Menu", exact: true });
  await expect(menu).toBeVisible();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  // The fixed sidebar is gone at this width: no navigation shows until the menu opens.
  await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();

  await menu.focus();
  await page.keyboard.press("Enter");
  const drawer = page.getByRole("dialog", { name: "Navigation" });
  await expect(drawer).toBeVisible();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(drawer.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Activity" })).toBeVisible();
  await expect(drawer.getByRole("button", { name: "Close menu" })).toBeFocused();
  const box = await drawer.boundingBox();
  expect(box!.width).toBeLessThanOrEqual(PHONE.width);
  await page.screenshot({ path: shot("menu-open") });
  // Tab moves through the links inside the drawer.
  await page.keyboard.press("Tab");
  await expect(drawer.getByRole("link", { name: "Tickets" })).toBeFocused();

  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeFocused();

  // A link closes the drawer and goes to its page.
  await menu.click();
  await drawer.getByRole("link", { name: "Clients" }).click();
  await settled("Clients");
  await expect(drawer).toBeHidden();
  await expect(page).toHaveURL(/\/clients$/);
});

test("R-UX-2 at 390 × 844 no page scrolls sideways: every page of the navigation, a ticket, a client, a sending domain", async () => {
  await page.setViewportSize(PHONE);
  await page.goto("/tickets");
  await settled("Tickets");
  await page.getByRole("button", { name: "Menu", exact: true }).click();
  const links = page.getByRole("dialog", { name: "Navigation" }).getByRole("navigation", { name: "Main" }).getByRole("link");
  const pages = await links.evaluateAll((els) => els.map((a) => ({ href: a.getAttribute("href")!, label: a.textContent.trim() })));
  // An admin sees every page of the navigation.
  expect(pages.map((p) => p.label)).toEqual(navigation.flatMap((section) => section.items.map((item) => item.label)));
  await page.keyboard.press("Escape");

  for (const { href, label } of pages) {
    await page.goto(href);
    await settled(label);
    await expectNoSidewaysScroll(label.toLowerCase().replaceAll(" ", "-"));
  }

  await page.goto(`/tickets/${ids.ticket}`);
  await settled(/Quarterly invoice reconciliation/);
  await expect(page.getByRole("region", { name: "Reply" })).toBeVisible();
  await expectNoSidewaysScroll("ticket");

  await page.goto(`/clients/${ids.client}`);
  await settled("Northwind Traders International Holdings Ltd");
  await expectNoSidewaysScroll("client");

  await page.goto(`/settings/email-gateway/sending-domains/${ids.sendingDomain}`);
  await settled(SENDING_DOMAIN);
  await expect(page.getByTestId("record-dkim")).toBeVisible();
  await expectNoSidewaysScroll("sending-domain");

  // Dialogs fit the screen.
  await page.goto("/settings/email-gateway/sending-domains");
  await settled("Sending domains");
  await page.getByRole("button", { name: "Add domain" }).first().click();
  const dialog = page.getByRole("dialog", { name: "Add a sending domain" });
  await expect(dialog).toBeVisible();
  const box = await dialog.boundingBox();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
  await expectNoSidewaysScroll("dialog");
});

test("R-UX-2 from 1024 px the sidebar stays in place and there is no menu button", async () => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/tickets");
  await settled("Tickets");
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Menu", exact: true })).toBeHidden();
  await shootFullPage(page, shot("desktop-tickets"));
  await page.goto(`/tickets/${ids.ticket}`);
  await settled(/Quarterly invoice reconciliation/);
  await shootFullPage(page, shot("desktop-ticket"));
  await page.setViewportSize({ width: 1024, height: 800 });
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Menu", exact: true })).toBeHidden();
});
