/**
 * Issue 21 item 3 in the browser, against the real product (both databases): mail goes in through Haraka on the
 * instance's SMTP port; searching a word that only its body holds (typed in another case) finds the ticket with
 * the passage marked, and the hit opens on that message. The Tickets list's filters live in the URL: a filtered
 * list survives a reload, opens from a bookmark, and Back undoes a filter.
 */
import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { createClient } from "../server/clients/create-client";
import type { Db } from "../server/db/client";
import { sendMail } from "../test/support/mta";
import nodemailer from "nodemailer";
import { demoTenantId, instanceDb } from "./support/helpers";
import { instanceNamed } from "./support/instances";

test.describe.configure({ mode: "serial" });
// Each test mails in through Haraka and walks several pages; on a loaded machine that takes longer than the default.
test.setTimeout(120_000);

const MAILBOX = "support@demo.in.localhost";
const run = randomBytes(3).toString("hex");
let db: Db;
let tenantId: string;
let smtpPort: number;

test.beforeAll(async ({ browserName }, testInfo) => {
  void browserName;
  db = instanceDb(testInfo.project.name);
  tenantId = await demoTenantId(db);
  smtpPort = instanceNamed(testInfo.project.name).smtpPort;
});
test.afterAll(async () => {
  await db?.$disconnect();
});

/** Mails a message in through the instance's Haraka; returns the stored message (the MTA commits before 250). */
async function mailIn(input: { from: string; subject: string; text: string }) {
  const messageId = `${randomBytes(8).toString("hex")}@${input.from.replace(/^.*@|>$/g, "")}`;
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows" });
  const raw = (await transport.sendMail({ ...input, to: MAILBOX, messageId: `<${messageId}>` })).message as Buffer;
  const sender = /<([^>]+)>/.exec(input.from)?.[1] ?? input.from;
  const sent = await sendMail({ port: smtpPort }, { from: sender, to: [MAILBOX], data: raw });
  expect(sent.final?.code, JSON.stringify(sent.final)).toBe(250);
  return db.message.findFirstOrThrow({
    where: { tenantId, messageIdHeader: messageId },
    select: { id: true, ticket: { select: { id: true, number: true } } },
  });
}

test("R-TKT-1 B1 a word only in a mail body, typed in another case, finds the ticket; its snippet opens the message", async ({ page }) => {
  const word = `Überweisungsbeleg${run}`;
  const first = await mailIn({
    from: `Grete Kunde <grete@kunde-${run}.test>`,
    subject: `Frage zur Rechnung ${run}`,
    text: `Guten Tag,\n\nder ${word.toUpperCase()} liegt bei. Bitte prüfen.\n\nGrete`,
  });
  const reply = await mailIn({
    from: `Grete Kunde <grete@kunde-${run}.test>`,
    subject: `Noch etwas ${run}`,
    text: "Nothing to find here.",
  });
  expect(reply.ticket.id).not.toBe(first.ticket.id);

  await page.goto("/tickets");
  const box = page.getByRole("searchbox", { name: "Search tickets" });
  await box.fill(word.toLowerCase());
  await expect(page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(word.toLowerCase())}`));
  const rows = page.getByTestId("ticket-row");
  await expect(rows).toHaveCount(1);
  const snippet = rows.first().getByTestId("ticket-snippet");
  await expect(snippet).toContainText("liegt bei");
  await expect(snippet.locator("mark")).toHaveText(word.toUpperCase());
  await page.screenshot({ path: "e2e/screenshots/search-hit.png" });

  await snippet.click();
  await expect(page).toHaveURL(new RegExp(`/tickets/${first.ticket.id}#message-${first.id}$`));
  const target = page.locator(`#message-${first.id}`);
  await expect(target).toContainText(word.toUpperCase());
  await expect(target).toBeInViewport();
  await page.screenshot({ path: "e2e/screenshots/search-opened.png" });
});

test("R-TKT-1 a filtered Tickets list lives in the URL: reload, bookmark and Back keep or undo the filters", async ({ page, context }) => {
  const client = await createClient(db, tenantId, { name: `Fabrikam ${run}`, primaryDomain: `fabrikam-${run}.test` });
  const ours = await mailIn({ from: `Ann <ann@fabrikam-${run}.test>`, subject: `Fabrikam printer ${run}`, text: `Toner ${run} is empty.` });
  await mailIn({ from: `Zed <zed@elsewhere-${run}.test>`, subject: `Elsewhere printer ${run}`, text: `Toner ${run} is empty too.` });

  await page.goto("/tickets");
  await page.getByLabel("Client").selectOption(client.id);
  await expect(page).toHaveURL(new RegExp(`[?&]client=${client.id}`));
  await page.getByRole("searchbox", { name: "Search tickets" }).fill(`toner ${run}`);
  await expect(page).toHaveURL(/[?&]q=toner/);
  const rows = page.getByTestId("ticket-row");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`Fabrikam printer ${run}`);
  const bookmark = page.url();

  await page.reload();
  await expect(page.getByLabel("Client")).toHaveValue(client.id);
  await expect(page.getByRole("searchbox", { name: "Search tickets" })).toHaveValue(`toner ${run}`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`#${ours.ticket.number}`);

  const other = await context.newPage();
  await other.goto(bookmark);
  await expect(other.getByTestId("ticket-row")).toHaveCount(1);
  await expect(other.getByLabel("Client")).toHaveValue(client.id);
  await other.close();

  // Back undoes the search, then the client filter; Forward brings the client back.
  await page.goBack();
  await expect(page.getByRole("searchbox", { name: "Search tickets" })).toHaveValue("");
  await expect(page.getByLabel("Client")).toHaveValue(client.id);
  await page.goBack();
  await expect(page.getByLabel("Client")).toHaveValue("");
  await expect(page).toHaveURL(/\/tickets$/);
  await page.goForward();
  await expect(page.getByLabel("Client")).toHaveValue(client.id);
  await page.screenshot({ path: "e2e/screenshots/search-filters.png" });
});
