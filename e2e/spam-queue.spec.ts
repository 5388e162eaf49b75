import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import type { Db } from "../server/db/client";
import { createTenant } from "../server/tenants/create-tenant";
import { createUser } from "../server/users/create-user";
import { sendMail, startMta, type MtaProcess } from "../test/support/mta";
import { GTUBE, removeEngineDir, startRspamd, type Engine } from "../test/support/spam-engines";
import { publishDns, dnsPortsFor } from "./support/dns-control";
import { instanceDb, signIn } from "./support/helpers";
import { instanceNamed } from "./support/instances";

/*
 * R-SPAM-1/2 in the browser. The instance's own MTA runs without scanners (the other specs' mail must not depend
 * on rspamd), so this spec starts real rspamd and a second MTA on the instance's database and data directory with
 * RSPAMD_URL set, and mails through that one.
 */
const SLUG = "spamq";
const MAILBOX = `support@${SLUG}.in.localhost`;
const AGENT = { email: "sue@spamq.test", password: "spamq-agent-password-1" };
const TEXT =
  "Hello support,\r\n\r\nthe label printer in the warehouse prints blank pages since the update yesterday. " +
  "Could someone look at it this week?\r\n\r\nThanks, Carol";

test.describe.configure({ mode: "serial" });

let db: Db;
let page: Page;
let rspamd: Engine & { dir: string };
let mta: MtaProcess;

function rawMessage(from: string, subject: string, body: string): string {
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
    body,
    "",
  ].join("\r\n");
}

async function mail(from: string, subject: string, body: string) {
  const sent = await sendMail(mta, { from, to: [MAILBOX], data: rawMessage(from, subject, body) });
  expect(sent.final?.code, mta.output().slice(-2000)).toBe(250);
}

test.beforeAll(async ({ browser }, testInfo) => {
  test.setTimeout(300_000);
  const project = testInfo.project.name;
  const instance = instanceNamed(project);
  db = instanceDb(project);
  const tenantId = (await createTenant(db, { slug: SLUG, name: "SpamQ MSP" })).id;
  await createUser(db, tenantId, { name: "Sue Support", email: AGENT.email, role: "SUPPORT", password: AGENT.password });
  await publishDns(project, "carol-spamq.example", [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }]);
  await publishDns(project, "prizes-spamq.example", [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }]);
  rspamd = await startRspamd();
  const secretFile = path.join(instance.dataDir, "app-secret");
  mta = await startMta({
    databaseUrl: instance.databaseUrl,
    dataDir: instance.dataDir,
    dnsServers: `127.0.0.1:${dnsPortsFor(instance).dns}`,
    env: {
      INBOUND_DOMAIN: "in.localhost",
      OUTBOUND_DELIVERY: "off",
      MTA_HEALTH_PORT: "0",
      RSPAMD_URL: rspamd.url,
      ...(existsSync(secretFile) ? { APP_SECRET: readFileSync(secretFile, "utf8").trim() } : {}),
    },
  });
  page = await browser.newPage({ baseURL: instance.baseURL, storageState: { cookies: [], origins: [] } });
  await signIn(page, AGENT.email, AGENT.password);
});

test.afterAll(async () => {
  await page?.close();
  await mta?.stop();
  await rspamd?.stop();
  if (rspamd) removeEngineDir(rspamd);
  await db?.$disconnect();
});

async function queueShows(subject: string) {
  await expect(async () => {
    await page.goto("/spam");
    await expect(page.getByTestId("spam-item").filter({ hasText: subject })).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
}

test("R-SPAM-2 a GTUBE message waits in the Spam queue with its score; Release makes it a ticket", async () => {
  const project = test.info().project.name;
  await page.goto("/spam");
  await expect(page.getByRole("heading", { name: "Spam queue", level: 1 })).toBeVisible();
  await mail("winner@prizes-spamq.example", "You have won a prize", `Claim it now.\r\n${GTUBE}`);
  await queueShows("You have won a prize");
  const item = page.getByTestId("spam-item").filter({ hasText: "You have won a prize" });
  const badge = item.getByTestId("scan-badge");
  await expect(badge).toContainText("Spam 15");
  await expect(badge).toHaveAttribute("title", /GTUBE/);
  await expect(item).toContainText("spam 15/6 GTUBE");
  // Search by sender or subject, in any case; a search that finds nothing says so.
  const search = page.getByLabel("Search the Spam queue");
  await search.fill("PRIZES-SPAMQ");
  await expect(page.getByTestId("spam-item")).toHaveCount(1);
  await expect(page.getByTestId("spam-count")).toHaveText("1 matching held message.");
  await search.fill("no such spam anywhere");
  await expect(page.getByText("Nothing held matches “no such spam anywhere”.")).toBeVisible();
  await search.fill("");
  await expect(item).toBeVisible();
  await page.setViewportSize({ width: 390, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: `e2e/screenshots/spam-queue-phone-${project}.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: `e2e/screenshots/spam-queue-${project}.png`, fullPage: true });

  await item.getByRole("button", { name: "Release" }).click();
  await expect(page.getByText(/^Released: new ticket/)).toBeVisible();
  await expect(page.getByTestId("spam-item").filter({ hasText: "You have won a prize" })).toHaveCount(0);
  await page.getByRole("link", { name: /Open ticket #\d+/ }).click();
  const ticketBadge = page.getByTestId("scan-badge").first();
  await expect(ticketBadge).toContainText("Released spam 15");
  await expect(ticketBadge).toHaveAttribute("title", /GTUBE/);
});

test("R-SPAM-1 a clean message becomes a ticket whose badge shows its score and symbols", async () => {
  await mail("carol@carol-spamq.example", "Label printer prints blank pages", TEXT);
  let ticketId = "";
  await expect(async () => {
    const t = await db.ticket.findFirst({ where: { subject: "Label printer prints blank pages", tenant: { slug: SLUG } }, select: { id: true } });
    expect(t).not.toBeNull();
    ticketId = t!.id;
  }).toPass({ timeout: 20_000 });
  await page.goto(`/tickets/${ticketId}`);
  const badge = page.getByTestId("scan-badge").first();
  await expect(badge).toContainText("Spam score");
  await expect(badge).toHaveAttribute("title", /R_SPF_ALLOW/);
  await page.screenshot({ path: `e2e/screenshots/spam-ticket-badge-${test.info().project.name}.png`, fullPage: true });
});

test("R-SPAM-2 Block domain from the queue adds a blocklist entry", async () => {
  await mail("deals@prizes-spamq.example", "Limited offer just for you", `Buy now.\r\n${GTUBE}`);
  await queueShows("Limited offer just for you");
  const item = page.getByTestId("spam-item").filter({ hasText: "Limited offer just for you" });
  await item.getByRole("button", { name: "Block domain" }).click();
  await expect(page.getByText("Blocked prizes-spamq.example: its mail is dropped from now on.")).toBeVisible();
  await expect(page.getByTestId("spam-item").filter({ hasText: "Limited offer just for you" })).toHaveCount(0);
  const entry = await db.blocklistEntry.findFirst({ where: { value: "prizes-spamq.example", tenant: { slug: SLUG }, removedAt: null } });
  expect(entry?.kind).toBe("DOMAIN");
});
