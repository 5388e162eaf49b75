import { expect, test, type Page } from "@playwright/test";
import { createClient } from "../server/clients/create-client";
import type { Db } from "../server/db/client";
import { createTenant } from "../server/tenants/create-tenant";
import { createUser } from "../server/users/create-user";
import { sendMail } from "../test/support/mta";
import { instanceDb, reloadUntil, signIn } from "./support/helpers";
import { instanceNamed } from "./support/instances";

// A tenant of its own, so other specs' mail never shows up in this queue, and a SUPPORT user (R-TEN-4) to work it.
const SLUG = "triage";
const MAILBOX = `support@${SLUG}.in.localhost`;
const AGENT = { email: "sam@triage.test", password: "triage-agent-password-1" };

test.describe.configure({ mode: "serial" });

let db: Db;
/** One signed-in page for the whole file: sign-in is rate-limited per IP. */
let page: Page;
let tenantId: string;
let northwind: string;
let freelance: string;

function rawMessage(from: string, subject: string): string {
  const domain = from.slice(from.indexOf("@") + 1);
  return [
    `From: ${from}`,
    `To: ${MAILBOX}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${Date.now()}.${Math.random().toString(36).slice(2)}@${domain}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    `${subject}. Please help.`,
    "",
  ].join("\r\n");
}

/** Real mail over SMTP into this instance's Haraka. */
async function mail(projectName: string, from: string, subject: string) {
  const sent = await sendMail({ port: instanceNamed(projectName).smtpPort }, { from, to: [MAILBOX], data: rawMessage(from, subject) });
  expect(sent.rcpt[0]?.code).toBe(250);
  expect(sent.final?.code).toBe(250);
}

/** The ticket the gateway made for a message from `from` with this subject, once it is committed. */
async function ticketFor(from: string, subject: string) {
  let found: { id: string; number: number; clientId: string | null; status: string } | null = null;
  await expect(async () => {
    found = await db.ticket.findFirst({
      where: { tenantId, subject, requester: { email: from } },
      select: { id: true, number: true, clientId: true, status: true },
    });
    expect(found).not.toBeNull();
  }).toPass({ timeout: 20_000 });
  return found!;
}

async function queueShows(page: Page, subject: string) {
  const table = page.getByRole("table", { name: "Unattributed tickets" });
  await reloadUntil(page, table.or(page.getByRole("heading", { name: "Nothing to triage" })), () =>
    expect(table.getByText(subject)).toBeVisible({ timeout: 2_000 }),
  );
}

function row(page: Page, subject: string) {
  return page.getByTestId("unattributed-row").filter({ hasText: subject });
}

async function chooseClient(page: Page, search: string, name: string) {
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Search clients").fill(search);
  await dialog.getByRole("radio", { name: new RegExp(`^${name}`) }).check();
}

test.beforeAll(async ({ browser }, testInfo) => {
  const instance = instanceNamed(testInfo.project.name);
  db = instanceDb(testInfo.project.name);
  tenantId = (await createTenant(db, { slug: SLUG, name: "Triage MSP" })).id;
  await createUser(db, tenantId, { name: "Sam Support", email: AGENT.email, role: "SUPPORT", password: AGENT.password });
  northwind = (await createClient(db, tenantId, { name: "Northwind", primaryDomain: "northwind.example" })).id;
  freelance = (await createClient(db, tenantId, { name: "Freelance Co", primaryDomain: "freelance-co.example" })).id;
  page = await browser.newPage({ baseURL: instance.baseURL, storageState: { cookies: [], origins: [] } });
  await signIn(page, AGENT.email, AGENT.password);
});
test.afterAll(async () => {
  await page.close();
  await db.$disconnect();
});

test("R-UNA-1 the queue starts empty and loads with a skeleton", async () => {
  const testInfo = test.info();
  // Hold the queue's request back so the loading state can be seen (and photographed).
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/trpc/**unattributed.list**", async (route) => {
    await held;
    await route.continue();
  });
  await page.goto("/unattributed");
  await expect(page.getByRole("heading", { name: "Unattributed", level: 1 })).toBeVisible();
  await expect(page.getByText("Loading the queue…")).toBeAttached();
  await page.screenshot({ path: `e2e/screenshots/unattributed-loading-${testInfo.project.name}.png`, fullPage: true });
  release();
  await expect(page.getByRole("heading", { name: "Nothing to triage" })).toBeVisible();
  // Later requests pass straight through; the handler is removed once nothing waits on it.
  await page.unrouteAll({ behavior: "wait" });
  await page.screenshot({ path: `e2e/screenshots/unattributed-empty-${testInfo.project.name}.png`, fullPage: true });
});

test("R-UNA-1 adding the sender's domain attributes the ticket, the follow-up the other one, and the next mail goes to the client", async () => {
  const testInfo = test.info();
  const project = testInfo.project.name;
  await mail(project, "ann@northwind-traders.example", "Printer on fire");
  await mail(project, "bob@northwind-traders.example", "VPN is down");
  await mail(project, "jo.smith@gmail.com", "Question about my invoice");
  const ann = await ticketFor("ann@northwind-traders.example", "Printer on fire");
  const bob = await ticketFor("bob@northwind-traders.example", "VPN is down");
  expect([ann.clientId, bob.clientId]).toEqual([null, null]);

  await page.goto("/unattributed");
  await queueShows(page, "Question about my invoice");
  const annRow = row(page, "Printer on fire");
  await expect(annRow).toContainText("ann@northwind-traders.example");
  await expect(annRow).toContainText(`#${ann.number}`);
  // B6: the thread's messages, counted as on Tickets (the auto-acknowledgement included when one went out).
  const annMessages = await db.message.count({ where: { ticketId: ann.id, kind: { not: "NOTE" } } });
  await expect(annRow.getByTestId("message-count")).toHaveText(annMessages === 1 ? "1 message" : `${annMessages} messages`);
  await expect(annRow.getByRole("link", { name: /Printer on fire/ })).toHaveAttribute("href", `/tickets/${ann.id}`);
  await expect(row(page, "Question about my invoice").getByText("Free mail")).toBeVisible();
  // Grouped by sender domain.
  const domains = page.getByRole("group", { name: "Filter by sender domain" });
  await expect(domains.getByRole("button", { name: "northwind-traders.example 2" })).toBeVisible();
  await page.screenshot({ path: `e2e/screenshots/unattributed-queue-${project}.png`, fullPage: true });

  await annRow.getByRole("button", { name: "Add northwind-traders.example to a client" }).click();
  const dialog = page.getByRole("dialog", { name: "Add northwind-traders.example to a client" });
  // Submitting without a choice says so next to the picker.
  await dialog.getByRole("button", { name: "Add domain" }).click();
  await expect(dialog.getByRole("alert")).toHaveText("Choose a client.");
  await chooseClient(page, "north", "Northwind");
  await dialog.getByRole("button", { name: "Add domain" }).click();
  await expect(dialog).toBeHidden();

  const notice = page.getByTestId("unattributed-notice");
  await expect(notice).toContainText("northwind-traders.example is now an alias domain of “Northwind”");
  await expect(notice).toContainText(`Ticket #${ann.number} is now attributed to “Northwind”.`);
  const offer = notice.getByRole("group", { name: "Attribute the others" });
  await expect(offer).toContainText("1 more ticket from northwind-traders.example — attribute it to “Northwind” too?");
  await page.screenshot({ path: `e2e/screenshots/unattributed-follow-up-${project}.png`, fullPage: true });
  await offer.getByRole("button", { name: "Attribute it" }).click();
  await expect(notice).toContainText("1 more ticket from northwind-traders.example is now attributed to “Northwind”.");
  await expect(row(page, "Printer on fire")).toHaveCount(0);
  await expect(row(page, "VPN is down")).toHaveCount(0);

  const domainRow = await db.clientDomain.findFirst({ where: { tenantId, domain: "northwind-traders.example" } });
  expect(domainRow).toMatchObject({ clientId: northwind, isPrimary: false });
  expect((await db.ticket.findUniqueOrThrow({ where: { id: ann.id } })).number).toBe(ann.number);
  expect((await db.ticket.findUniqueOrThrow({ where: { id: ann.id } })).clientId).toBe(northwind);
  expect((await db.ticket.findUniqueOrThrow({ where: { id: bob.id } })).clientId).toBe(northwind);

  // The next message from that domain lands on the client directly: never in the queue.
  await mail(project, "carol@northwind-traders.example", "New laptop please");
  const carol = await ticketFor("carol@northwind-traders.example", "New laptop please");
  expect(carol.clientId).toBe(northwind);
  await page.reload();
  await expect(row(page, "Question about my invoice")).toBeVisible();
  await expect(row(page, "New laptop please")).toHaveCount(0);
});

test("R-UNA-1 a gmail.com sender cannot give its domain to a client and becomes a contact instead", async () => {
  await page.goto("/unattributed");
  const jo = row(page, "Question about my invoice");
  await jo.getByRole("button", { name: "Add jo.smith@gmail.com as a contact" }).click();
  const dialog = page.getByRole("dialog", { name: "Add jo.smith@gmail.com as a contact" });
  await expect(dialog).toContainText("gmail.com is a free-mail provider: anyone can have an address there, so it cannot identify a client.");
  await chooseClient(page, "freelance", "Freelance Co");
  await page.screenshot({ path: `e2e/screenshots/unattributed-free-mail-dialog-${test.info().project.name}.png` });
  await dialog.getByRole("button", { name: "Add as contact" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("unattributed-notice")).toContainText(
    "gmail.com is a free-mail provider: anyone can have an address there, so it cannot become a domain of “Freelance Co”. jo.smith@gmail.com is now a contact of “Freelance Co” instead.",
  );
  await expect(jo).toHaveCount(0);
  expect(await db.clientDomain.count({ where: { tenantId, domain: "gmail.com" } })).toBe(0);
  const contact = await db.contact.findUniqueOrThrow({ where: { tenantId_email: { tenantId, email: "jo.smith@gmail.com" } } });
  expect(contact.clientId).toBe(freelance);
});

test("R-UNA-1 blocklisting a sender from the queue closes their ticket and stops their next message", async () => {
  const testInfo = test.info();
  const project = testInfo.project.name;
  await mail(project, "promo@spammy-deals.example", "Cheap things");
  const spam = await ticketFor("promo@spammy-deals.example", "Cheap things");
  await page.goto("/unattributed");
  await queueShows(page, "Cheap things");

  await row(page, "Cheap things").getByRole("button", { name: `Block the sender of ticket #${spam.number}` }).click();
  const dialog = page.getByRole("dialog", { name: "Block this sender?" });
  await expect(dialog.getByRole("radio", { name: /The sender/ })).toBeChecked();
  await expect(dialog).toContainText("promo@spammy-deals.example");
  await dialog.getByRole("button", { name: "Block" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("unattributed-notice")).toContainText("Blocked promo@spammy-deals.example. Closed 1 ticket from the queue.");
  await expect(row(page, "Cheap things")).toHaveCount(0);
  expect((await db.ticket.findUniqueOrThrow({ where: { id: spam.id } })).status).toBe("CLOSED");

  // The next message is accepted by SMTP and dropped by the blocklist entry: it never becomes a ticket.
  await mail(project, "promo@spammy-deals.example", "Even cheaper things");
  const entry = await db.blocklistEntry.findFirstOrThrow({ where: { tenantId, value: "promo@spammy-deals.example", removedAt: null } });
  await expect(async () => {
    const dropped = await db.activityLog.findFirst({
      where: { tenantId, subject: "Even cheaper things", outcome: "DROPPED", blocklistEntryId: entry.id },
    });
    expect(dropped).not.toBeNull();
  }).toPass({ timeout: 20_000 });
  expect(await db.ticket.count({ where: { tenantId, subject: "Even cheaper things" } })).toBe(0);
});

test("R-UNA-1 bulk selection sets one client for several tickets, and the queue is empty again", async () => {
  const testInfo = test.info();
  const project = testInfo.project.name;
  await mail(project, "x@bulk-one.example", "Bulk one");
  await mail(project, "y@bulk-two.example", "Bulk two");
  const one = await ticketFor("x@bulk-one.example", "Bulk one");
  const two = await ticketFor("y@bulk-two.example", "Bulk two");
  await page.goto("/unattributed");
  await queueShows(page, "Bulk two");
  await queueShows(page, "Bulk one");

  // Keyboard: Space toggles the row checkboxes.
  await page.getByRole("checkbox", { name: `Select ticket #${one.number}` }).focus();
  await page.keyboard.press("Space");
  await page.getByRole("checkbox", { name: `Select ticket #${two.number}` }).check();
  const bar = page.getByRole("toolbar", { name: "Bulk actions" });
  await expect(bar).toContainText("2 tickets selected");
  await page.screenshot({ path: `e2e/screenshots/unattributed-bulk-${project}.png`, fullPage: true });
  await bar.getByRole("button", { name: "Set client…" }).click();
  const dialog = page.getByRole("dialog", { name: "Set the client of 2 tickets" });
  await dialog.getByLabel("Search clients").fill("Northwind");
  await expect(dialog.getByRole("radio")).toHaveCount(1);
  await page.keyboard.press("Enter");
  await expect(dialog.getByRole("radio", { name: /^Northwind/ })).toBeChecked();
  await dialog.getByRole("button", { name: "Set client" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("unattributed-notice")).toContainText("2 tickets are now attributed to “Northwind”.");
  await expect(page.getByRole("heading", { name: "Nothing to triage" })).toBeVisible();
  expect((await db.ticket.findUniqueOrThrow({ where: { id: one.id } })).clientId).toBe(northwind);
  expect((await db.ticket.findUniqueOrThrow({ where: { id: two.id } })).clientId).toBe(northwind);
});
