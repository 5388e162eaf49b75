/**
 * The helpdesk around the gateway (R-UX-3) in the browser, on each instance (SQLite and PostgreSQL): an admin
 * manages canned responses (an unknown placeholder is refused next to the field), sets a ticket's client from the
 * ticket page, changes its status (both recorded in the thread), writes an internal note, inserts a canned response
 * with the keyboard and sends it. The receiving MTA gets the reply, filled in, and never the note. The client page
 * lists the client's tickets, and a contact's link shows only theirs.
 *
 * Everything runs in a tenant of its own, with a verified sending domain (records on the instance's DNS).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { createClient } from "../server/clients/create-client";
import { createResolver } from "../server/dns/resolver";
import { addSendingDomain, recordsToPublish, setTenantDefaultFrom, verifySendingDomain } from "../server/sending-domains";
import { createTenant } from "../server/tenants/create-tenant";
import { createUser } from "../server/users/create-user";
import { sendMail } from "../test/support/mta";
import { dnsPortsFor, publishDns } from "./support/dns-control";
import { instanceDb, shootFullPage, signIn } from "./support/helpers";
import { instanceNamed } from "./support/instances";
import { deliveredMail, waitForDelivered } from "./support/receiving-mta";

const INBOUND_DOMAIN = "in.localhost";
const SPF_INCLUDE = "_spf.opsmerge.localhost";

/** A plain-text message as a mail client sends it. */
function rawMail(from: string, to: string, subject: string, text: string, id: string): Buffer {
  const lines = [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: <${id}>`,
    `Date: ${new Date().toUTCString()}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    text,
    "",
  ];
  return Buffer.from(lines.join("\r\n"));
}

test("R-UX-3 write a note; insert a canned response and send; set the client; the client page lists its tickets", async ({
  browser,
  baseURL,
}, testInfo) => {
  test.setTimeout(120_000);
  const project = testInfo.project.name;
  const instance = instanceNamed(project);
  const resolver = createResolver({ servers: [`127.0.0.1:${dnsPortsFor(instance).dns}`], timeoutMs: 2_000, tries: 1 });
  const secret = readFileSync(path.join(instance.dataDir, "app-secret"), "utf8").trim();
  const run = randomBytes(3).toString("hex");
  const slug = `hd-${project}-${run}`;
  const domain = `msp-hd-${run}.test`;
  const clientDomain = `northwind-hd-${run}.test`;
  const jo = `jo@freemail-hd-${run}.test`;
  const bob = `bob@${clientDomain}`;
  const mailbox = `support@${slug}.${INBOUND_DOMAIN}`;
  const adminEmail = `admin@${slug}.example`;
  const password = "helpdesk-admin-0001";
  const clientName = `Northwind ${run}`;
  const secretNote = `Router password is hunter2-${run}`;

  const db = instanceDb(project);
  let clientId: string;
  try {
    const tenant = await createTenant(db, { slug, name: "Helpdesk MSP" });
    await createUser(db, tenant.id, { name: "Rita Helpdesk", email: adminEmail, role: "ADMIN", password });
    clientId = (await createClient(db, tenant.id, { name: clientName, primaryDomain: clientDomain })).id;
    const sending = await addSendingDomain(db, { tenantId: tenant.id, domain, secret });
    const records = await recordsToPublish(sending, { spfInclude: SPF_INCLUDE, dmarcRua: `dmarc-reports@${slug}.${INBOUND_DOMAIN}` });
    for (const r of [records.spf, records.dkim, records.dmarc]) await publishDns(project, r.host, [{ type: "TXT", data: r.chunks }]);
    expect((await verifySendingDomain(db, { tenantId: tenant.id, id: sending.id, resolver, spfInclude: SPF_INCLUDE })).verified).toBe(true);
    await setTenantDefaultFrom(db, { tenantId: tenant.id, address: `support@${domain}`, name: "Helpdesk Support" });
  } finally {
    await db.$disconnect();
  }

  // Jo writes from an address no client owns (the Unattributed queue); Bob from the client's own domain.
  const joSubject = `Printer jams on tray 2 ${run}`;
  const bobSubject = `New starter laptop ${run}`;
  for (const [from, subject] of [
    [`Jo Park <${jo}>`, joSubject],
    [`Bob Stone <${bob}>`, bobSubject],
  ] as const) {
    const sent = await sendMail(
      { port: instance.smtpPort },
      { from: from.replace(/^.*<|>$/g, ""), to: [mailbox], data: rawMail(from, mailbox, subject, "Hello, please help.", `${randomBytes(6).toString("hex")}@x.test`) },
    );
    expect(sent.final?.code, JSON.stringify(sent.final)).toBe(250);
  }

  const context = await browser.newContext({ baseURL: baseURL!, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  try {
    await signIn(page, adminEmail, password);

    // Settings → Canned responses: an unknown placeholder is refused next to the field; then saved.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Canned responses" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Canned responses" })).toBeVisible();
    await expect(page.getByText("No canned responses yet")).toBeVisible();
    await page.getByRole("button", { name: "New response" }).first().click();
    const dialog = page.getByRole("dialog", { name: "New canned response" });
    await dialog.getByLabel("Title").fill("Printer fixed");
    const body = dialog.getByLabel("Response");
    await body.fill("Hi {{requester.fistName}},\n\nticket #{{ticket.number}} is fixed.");
    await dialog.getByRole("button", { name: "Save response" }).click();
    await expect(body).toHaveAccessibleDescription(/Unknown placeholder: \{\{requester\.fistName\}\}/);
    await body.fill("Hi {{requester.firstName}},\n\nticket #{{ticket.number}} for {{client.name}} is fixed.\n\n{{technician.name}}");
    await dialog.getByRole("button", { name: "Save response" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole("list", { name: "Canned responses" }).getByText("Printer fixed")).toBeVisible();
    await shootFullPage(page, testInfo.outputPath("canned-responses.png"));

    // The ticket: set its client from the ticket page, change the status; both are lines in the thread.
    await page.goto("/tickets");
    await page.getByRole("link", { name: new RegExp(joSubject) }).click();
    const heading = page.getByRole("heading", { level: 1, name: new RegExp(`^#\\d+ ${joSubject}$`) });
    await expect(heading).toBeVisible();
    const number = /^#(\d+)/.exec((await heading.textContent())!)![1]!;
    await page.getByLabel("Client", { exact: true }).selectOption({ label: clientName });
    const events = page.getByTestId("ticket-event");
    await expect(events.filter({ hasText: `Rita Helpdesk changed the client from none` })).toContainText(clientName);
    await expect(page.getByTestId("participant").filter({ hasText: jo })).toContainText(`Contact of ${clientName}`);
    await page.getByLabel("Status").selectOption("PENDING");
    await expect(events.filter({ hasText: "changed the status from Open" })).toContainText("Pending");
    await page.getByLabel("Status").selectOption("OPEN");
    await expect(events).toHaveCount(3);

    // An internal note: amber, labelled, with its author.
    await page.getByRole("textbox", { name: "Internal note" }).fill(secretNote);
    await page.getByRole("button", { name: "Add note" }).click();
    const note = page.getByTestId("internal-note");
    await expect(note).toContainText(secretNote);
    await expect(note).toContainText("Internal note");
    await expect(note).toContainText("Rita Helpdesk");
    await expect(page.getByRole("textbox", { name: "Internal note" })).toHaveValue("");

    // The canned response, by keyboard only: "/" in the empty message, type to filter, Enter.
    const composer = page.getByRole("region", { name: "Reply" });
    const message = composer.getByRole("textbox", { name: "Message" });
    await message.focus();
    await page.keyboard.press("/");
    const finder = composer.getByRole("combobox", { name: "Find a canned response" });
    await expect(finder).toBeFocused();
    await page.keyboard.type("print");
    await expect(composer.getByRole("option", { name: /Printer fixed/ })).toHaveAttribute("aria-selected", "true");
    await page.keyboard.press("Enter");
    const filled = `Hi Jo,\n\nticket #${number} for ${clientName} is fixed.\n\nRita Helpdesk`;
    await expect(message).toHaveValue(filled);
    await expect(message).toBeFocused();
    await shootFullPage(page, testInfo.outputPath("ticket-with-note.png"));
    await composer.getByRole("button", { name: "Send reply" }).click();
    await expect(composer.getByRole("status")).toHaveText("Reply queued for delivery.");

    // The receiving MTA gets the reply, filled in; nothing it ever got for Jo carries the note.
    const received = await waitForDelivered(project, (m) => m.recipients.includes(jo) && (m.parsed.text ?? "").includes("is fixed"));
    expect(received.parsed.text).toContain(`ticket #${number} for ${clientName} is fixed.`);
    const toJo = (await deliveredMail(project)).filter((m) => m.recipients.includes(jo));
    expect(toJo.length).toBeGreaterThan(0);
    for (const m of toJo) expect(m.raw.toString("utf8")).not.toContain(`hunter2-${run}`);

    // The client page lists its tickets; Jo's link shows only Jo's.
    await page.goto(`/clients/${clientId}`);
    const tickets = page.getByRole("region", { name: `Tickets of ${clientName}` });
    await expect(tickets.getByTestId("ticket-row")).toHaveCount(2);
    await expect(tickets.getByRole("combobox", { name: "Client" })).toBeHidden();
    await page.getByRole("link", { name: `Tickets of ${jo} (1)` }).click();
    await expect(tickets.getByRole("combobox", { name: "Requester" })).toHaveValue(/.+/);
    await expect(tickets.getByTestId("ticket-row")).toHaveCount(1);
    await expect(tickets.getByTestId("ticket-row")).toContainText(joSubject);
    await shootFullPage(page, testInfo.outputPath("client-page.png"));
  } finally {
    await context.close();
  }
});
