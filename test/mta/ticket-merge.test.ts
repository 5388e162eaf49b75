/**
 * R-TKT-3 over real SMTP: two tickets made by real mail through Haraka, merged with the product's mergeTickets,
 * then replies addressed to the merged ticket (its reply address; In-Reply-To one of its moved messages; In-Reply-To
 * its auto-acknowledgement's signed Message-Id) all land on the survivor. SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replyAddress, tenantMailbox } from "../../server/mail/addresses";
import { mergeTickets } from "../../server/tickets/merge-tickets";
import { createTestDatabase, testProviders, WEB_PROCESS_DB_OPTIONS, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createClientRow, createTenantRow } from "../support/gateway-data";
import { sendMail, startMta, TEST_APP_SECRET, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { buildMessage, uniqueId } from "./helpers";

describe.each(testProviders())("ticket merge over SMTP on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let mta: MtaProcess;
  let tenantId: string;
  const mailbox = tenantMailbox("acme", TEST_INBOUND_DOMAIN);

  async function deliver(input: Parameters<typeof buildMessage>[0], rcpt: string) {
    const result = await sendMail(mta, { from: "alice@contoso.example", to: [rcpt], data: await buildMessage(input) });
    expect(result.final?.code, `${JSON.stringify(result.final)}\n${mta.output().slice(-2000)}`).toBe(250);
  }

  async function ticketOf(messageIdHeader: string) {
    const m = await database.db.message.findFirstOrThrow({
      where: { tenantId, messageIdHeader },
      select: { ticketId: true },
    });
    return m.ticketId;
  }

  beforeAll(async () => {
    database = await createTestDatabase(provider, WEB_PROCESS_DB_OPTIONS);
    // Senders authenticate (SPF pass, no DMARC record), so new tickets are acknowledged (R-IN-9).
    dns = await startDnsServer({ "contoso.example": [{ type: "TXT" as const, data: "v=spf1 ip4:127.0.0.1 -all" }] });
    tenantId = (await createTenantRow(database.db, "acme")).id;
    await createClientRow(database.db, tenantId, { name: "Contoso", primaryDomain: "contoso.example" });
    mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address });
  });
  afterAll(async () => {
    await mta?.stop();
    await dns?.close();
    await database?.drop();
  });

  it("R-TKT-3 a reply to the merged ticket's reply address or Message-Ids lands on the survivor", async () => {
    const first = uniqueId("contoso.example");
    const second = uniqueId("contoso.example");
    await deliver(
      { from: "Alice <alice@contoso.example>", to: mailbox, messageId: first, subject: "Email is down" },
      mailbox,
    );
    // The customer wrote again as a new mail instead of replying: a second ticket (the doc's case for merging).
    await deliver(
      { from: "Alice <alice@contoso.example>", to: mailbox, messageId: second, subject: "Still no email!" },
      mailbox,
    );
    const survivorId = await ticketOf(first);
    const mergedId = await ticketOf(second);
    expect(mergedId).not.toBe(survivorId);
    const ack = await database.db.message.findFirstOrThrow({
      where: { ticketId: mergedId, kind: "AUTO_ACK" },
      select: { messageIdHeader: true },
    });

    const result = await mergeTickets(database.db, tenantId, { sourceId: mergedId, targetId: survivorId });
    expect(result.survivorId).toBe(survivorId);
    expect(await database.db.message.count({ where: { ticketId: mergedId } })).toBe(0);

    const viaAddress = uniqueId("contoso.example");
    const oldReply = replyAddress(TEST_APP_SECRET, { slug: "acme", ticketId: mergedId }, TEST_INBOUND_DOMAIN);
    await deliver(
      { from: "Alice <alice@contoso.example>", to: oldReply, messageId: viaAddress, subject: "Re: Still no email!" },
      oldReply,
    );
    expect(await ticketOf(viaAddress)).toBe(survivorId);

    const viaMessageId = uniqueId("contoso.example");
    await deliver(
      {
        from: "Alice <alice@contoso.example>",
        to: mailbox,
        messageId: viaMessageId,
        inReplyTo: second,
        references: [second],
        subject: "Re: Still no email!",
      },
      mailbox,
    );
    expect(await ticketOf(viaMessageId)).toBe(survivorId);

    const viaAck = uniqueId("contoso.example");
    await deliver(
      {
        from: "Alice <alice@contoso.example>",
        to: mailbox,
        messageId: viaAck,
        inReplyTo: ack.messageIdHeader,
        subject: "Re: [Ticket] ack",
      },
      mailbox,
    );
    expect(await ticketOf(viaAck)).toBe(survivorId);

    const merged = await database.db.ticket.findUniqueOrThrow({ where: { id: mergedId } });
    expect(merged).toMatchObject({ status: "CLOSED", mergedIntoId: survivorId });
    expect(await database.db.message.count({ where: { ticketId: mergedId } })).toBe(0);
    expect(await database.db.ticket.count({ where: { tenantId } })).toBe(2);
  });
});
