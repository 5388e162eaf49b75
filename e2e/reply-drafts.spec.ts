/**
 * Issue 20: a reply draft (body, To, Cc) survives navigation and reload until it is sent or discarded (R-UX-3), and
 * Merge asks first, naming both tickets. A tenant of its own with a verified sending domain, so a reply really sends.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { createClient } from "../server/clients/create-client";
import type { Db } from "../server/db/client";
import { createResolver } from "../server/dns/resolver";
import { addSendingDomain, recordsToPublish, setTenantDefaultFrom, verifySendingDomain } from "../server/sending-domains";
import { createTenant } from "../server/tenants/create-tenant";
import { createUser } from "../server/users/create-user";
import { sendMail } from "../test/support/mta";
import { dnsPortsFor, publishDns } from "./support/dns-control";
import { instanceDb, signedInPage } from "./support/helpers";
import { instanceNamed } from "./support/instances";

test.describe.configure({ mode: "serial", timeout: 60_000 });

const SLUG = "drafts";
const MAILBOX = `support@${SLUG}.in.localhost`;
const ADMIN = { email: "admin@drafts.e2e.test", password: "drafts-admin-password-1" };
const CLIENT_DOMAIN = "contoso-drafts.test";
const ALICE = `alice@${CLIENT_DOMAIN}`;
const SENDING = "msp-drafts.test";
const SPF_INCLUDE = "_spf.opsmerge.localhost";

let db: Db;
let page: Page;
let tenantId: string;

async function mailIn(port: number, subject: string): Promise<{ id: string; number: number }> {
  const raw = [
    `From: Alice <${ALICE}>`,
    `To: ${MAILBOX}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${randomBytes(8).toString("hex")}@${CLIENT_DOMAIN}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    `${subject}.`,
    "",
  ].join("\r\n");
  const sent = await sendMail({ port }, { from: ALICE, to: [MAILBOX], data: raw });
  expect(sent.final?.code).toBe(250);
  return db.ticket.findFirstOrThrow({ where: { tenantId, subject }, select: { id: true, number: true } });
}

let first: { id: string; number: number };
let second: { id: string; number: number };

test.beforeAll(async ({ browser, baseURL }, testInfo) => {
  const project = testInfo.project.name;
  const instance = instanceNamed(project);
  db = instanceDb(project);
  tenantId = (await createTenant(db, { slug: SLUG, name: "Drafts MSP" })).id;
  await createUser(db, tenantId, { name: "Dora Drafts", email: ADMIN.email, role: "ADMIN", password: ADMIN.password });
  await createClient(db, tenantId, { name: "Contoso", primaryDomain: CLIENT_DOMAIN });
  const secret = readFileSync(path.join(instance.dataDir, "app-secret"), "utf8").trim();
  const resolver = createResolver({ servers: [`127.0.0.1:${dnsPortsFor(instance).dns}`], timeoutMs: 2_000, tries: 1 });
  const sending = await addSendingDomain(db, { tenantId, domain: SENDING, secret });
  const records = await recordsToPublish(sending, { spfInclude: SPF_INCLUDE, dmarcRua: `dmarc-reports@${SLUG}.in.localhost` });
  for (const r of [records.spf, records.dkim, records.dmarc]) await publishDns(project, r.host, [{ type: "TXT", data: r.chunks }]);
  await publishDns(project, SPF_INCLUDE, [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }]);
  expect((await verifySendingDomain(db, { tenantId, id: sending.id, resolver, spfInclude: SPF_INCLUDE })).verified).toBe(true);
  await setTenantDefaultFrom(db, { tenantId, address: `support@${SENDING}`, name: "Drafts Support" });
  first = await mailIn(instance.smtpPort, "Printer on floor 2 is jammed");
  second = await mailIn(instance.smtpPort, "Printer STILL jammed");

  page = await signedInPage(browser, baseURL, ADMIN);
});

test.afterAll(async () => {
  await page?.context().close();
  await db?.$disconnect();
});

function composer() {
  const reply = page.getByRole("region", { name: "Reply" });
  return {
    reply,
    to: reply.getByLabel("To", { exact: true }),
    cc: reply.getByLabel("Cc", { exact: true }),
    body: reply.getByLabel("Message", { exact: true }),
  };
}

async function openTicket(ticket: { id: string }) {
  await page.goto(`/tickets/${ticket.id}`);
  await expect(composer().reply).toBeVisible();
}

test("R-UX-3 a reply draft (body, To, Cc) survives navigation and reload, per ticket, until discarded or sent", async () => {
  await openTicket(first);
  let c = composer();
  await expect(c.to).toHaveValue(`Alice <${ALICE}>`);
  await expect(c.body).toHaveValue("");
  await expect(c.reply.getByRole("button", { name: "Discard draft" })).toHaveCount(0);
  await c.to.fill(`Alice <${ALICE}>, bob@${CLIENT_DOMAIN}`);
  await c.cc.fill(`carol@${CLIENT_DOMAIN}`);
  await c.body.fill("Hello Alice,\n\nWe are **on it**.");

  // Away through the app's own links, and back.
  await page.getByRole("link", { name: "← Tickets" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Tickets" })).toBeVisible();
  await page.getByRole("link", { name: /Printer on floor 2 is jammed/ }).click();
  c = composer();
  await expect(c.body).toHaveValue("Hello Alice,\n\nWe are **on it**.");
  await expect(c.to).toHaveValue(`Alice <${ALICE}>, bob@${CLIENT_DOMAIN}`);
  await expect(c.cc).toHaveValue(`carol@${CLIENT_DOMAIN}`);

  // A reload keeps it too.
  await page.reload();
  c = composer();
  await expect(c.body).toHaveValue("Hello Alice,\n\nWe are **on it**.");
  await expect(c.cc).toHaveValue(`carol@${CLIENT_DOMAIN}`);

  // The other ticket has a draft of its own: none yet.
  await openTicket(second);
  await expect(composer().body).toHaveValue("");
  await expect(composer().cc).toHaveValue("");

  // Discard: back to the ticket's recipients, and it stays discarded.
  await openTicket(first);
  c = composer();
  await c.reply.getByRole("button", { name: "Discard draft" }).click();
  await expect(c.body).toHaveValue("");
  await expect(c.to).toHaveValue(`Alice <${ALICE}>`);
  await expect(c.cc).toHaveValue("");
  await page.reload();
  await expect(composer().body).toHaveValue("");
  await expect(composer().to).toHaveValue(`Alice <${ALICE}>`);

  // Sent: the draft is gone, after a reload as well.
  c = composer();
  await c.body.fill("Fixed: the fuser was replaced.");
  await c.reply.getByRole("button", { name: "Send reply" }).click();
  await expect(c.reply.getByText("Reply queued for delivery.")).toBeVisible();
  await expect(c.body).toHaveValue("");
  await page.reload();
  await expect(composer().body).toHaveValue("");
});

test("issue 20: Merge asks for confirmation naming both tickets; Back merges nothing", async () => {
  await openTicket(second);
  await page.getByRole("button", { name: "Merge…" }).click();
  const dialog = page.getByRole("dialog", { name: `Merge #${second.number} into another ticket` });
  await dialog.getByLabel("Find a ticket by number or subject").fill(`#${first.number}`);
  // The radio of the ticket searched for, not the first of a list that may still answer the empty search.
  await dialog.getByRole("radio", { name: "Printer on floor 2 is jammed" }).check();
  await dialog.getByRole("button", { name: `Merge into #${first.number}` }).click();

  const confirm = dialog.getByRole("group", { name: "Confirm the merge" });
  await expect(confirm).toContainText(
    `Merge #${second.number} “Printer STILL jammed” into #${first.number} “Printer on floor 2 is jammed”?`,
  );
  await expect(confirm).toContainText("This cannot be undone.");
  await confirm.getByRole("button", { name: "Back" }).click();
  await expect(confirm).toBeHidden();
  await expect(dialog.getByRole("radio", { checked: true })).toBeVisible();
  expect((await db.ticket.findUniqueOrThrow({ where: { id: second.id }, select: { mergedIntoId: true } })).mergedIntoId).toBeNull();

  await dialog.getByRole("button", { name: `Merge into #${first.number}` }).click();
  await confirm.getByRole("button", { name: `Merge #${second.number} into #${first.number}` }).click();
  await expect(page).toHaveURL(new RegExp(`/tickets/${first.id}$`));
  await expect(page.getByText(`Merged here: #${second.number} Printer STILL jammed`)).toBeVisible();
});
