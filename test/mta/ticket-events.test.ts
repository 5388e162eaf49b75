/**
 * R-UX-3 the audit trail over real SMTP, SQLite and PostgreSQL: a technician closes a ticket made by real mail; the
 * client's reply through Haraka reopens it, and both changes are in the thread's trail, the second by the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantMailbox } from "../../server/mail/addresses";
import { getTicket } from "../../server/tickets/get-ticket";
import { setTicketStatus } from "../../server/tickets/update-ticket";
import { createTestDatabase, testProviders, WEB_PROCESS_DB_OPTIONS, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createClientRow, createTenantRow } from "../support/gateway-data";
import { sendMail, startMta, TEST_APP_SECRET, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { buildMessage, uniqueId } from "./helpers";

describe.each(testProviders())("ticket audit trail over SMTP on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let mta: MtaProcess;
  let tenantId: string;
  const mailbox = tenantMailbox("acme", TEST_INBOUND_DOMAIN);

  async function deliver(input: Parameters<typeof buildMessage>[0]) {
    const result = await sendMail(mta, { from: "alice@contoso.example", to: [mailbox], data: await buildMessage(input) });
    expect(result.final?.code, `${JSON.stringify(result.final)}\n${mta.output().slice(-2000)}`).toBe(250);
  }

  beforeAll(async () => {
    database = await createTestDatabase(provider, WEB_PROCESS_DB_OPTIONS);
    dns = await startDnsServer({});
    tenantId = (await createTenantRow(database.db, "acme", { autoAckEnabled: false })).id;
    await createClientRow(database.db, tenantId, { name: "Contoso", primaryDomain: "contoso.example" });
    mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address });
  });
  afterAll(async () => {
    await mta?.stop();
    await dns?.close();
    await database?.drop();
  });

  it("R-UX-3 closed by a technician, reopened by the client's reply: both changes are in the trail, in order", async () => {
    const db = database.db;
    const first = uniqueId("contoso.example");
    await deliver({ from: "Alice <alice@contoso.example>", to: mailbox, messageId: first, subject: "Scanner offline" });
    const { ticketId } = await db.message.findFirstOrThrow({ where: { tenantId, messageIdHeader: first }, select: { ticketId: true } });
    const tess = await db.user.create({ data: { id: `tess-${provider}`, name: "Tess Tech", email: `tess-${provider}@acme.test`, tenantId } });
    await setTicketStatus(db, tenantId, { ticketId, status: "CLOSED" }, tess.id);

    const reply = uniqueId("contoso.example");
    await deliver({ from: "Alice <alice@contoso.example>", to: mailbox, messageId: reply, inReplyTo: first, subject: "Re: Scanner offline" });
    const ticket = await getTicket(db, { tenantId, ticketId, secret: TEST_APP_SECRET, inboundDomain: TEST_INBOUND_DOMAIN });
    expect(ticket.status).toBe("OPEN");
    expect(ticket.events.map((e) => [e.kind, e.from, e.to, e.actor?.name ?? null])).toEqual([
      ["STATUS", "OPEN", "CLOSED", "Tess Tech"],
      ["STATUS", "CLOSED", "OPEN", null],
    ]);
    // The reply that reopened it is in the same thread.
    expect(ticket.messages.map((m) => m.subject)).toEqual(["Scanner offline", "Re: Scanner offline"]);
  });
});
