/**
 * R-UX-3 internal notes never leave the building, over real sockets on every provider of testProviders(): a note
 * written between replies is in the thread, while the receiving MTA (reached through OUTBOUND_RELAY) gets the two
 * replies and nothing else, and neither reply carries the note's words.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addTicketNote } from "../../server/tickets/add-ticket-note";
import { getTicket } from "../../server/tickets/get-ticket";
import { replyToTicket } from "../../server/tickets/reply-to-ticket";
import { createTestDatabase, testProviders, WEB_PROCESS_DB_OPTIONS, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { startMta, TEST_APP_SECRET, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { seedSendingTenant, waitUntil, type SendingTenant } from "../support/outbound-data";
import { messageIdOf, startSmtpReceiver, type SmtpReceiver } from "../support/smtp-receiver";

describe.each(testProviders())("internal notes on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let receiver: SmtpReceiver;
  let mta: MtaProcess;
  let acme: SendingTenant;
  let ticketId: string;
  const mail = { secret: TEST_APP_SECRET, inboundDomain: TEST_INBOUND_DOMAIN };

  beforeAll(async () => {
    [database, dns, receiver] = await Promise.all([createTestDatabase(provider, WEB_PROCESS_DB_OPTIONS), startDnsServer(), startSmtpReceiver()]);
    acme = await seedSendingTenant(database.db, dns, {
      slug: "acme",
      domain: "acme-msp.example",
      clientDomain: "client.example",
      contacts: ["jane@client.example"],
    });
    const db = database.db;
    const jane = await db.contact.findFirstOrThrow({ where: { tenantId: acme.tenantId, email: "jane@client.example" } });
    const ticket = await db.ticket.create({
      data: {
        tenantId: acme.tenantId,
        number: 1,
        subject: "VPN drops every hour",
        clientId: acme.clientId,
        requesterId: jane.id,
      },
    });
    ticketId = ticket.id;
    await db.message.create({
      data: {
        tenantId: acme.tenantId,
        ticketId,
        direction: "INBOUND",
        messageIdHeader: "vpn-1@client.example",
        fromAddress: "jane@client.example",
        fromName: "Jane Client",
        subject: ticket.subject,
        textBody: "The VPN drops every hour.",
      },
    });
    mta = await startMta({
      databaseUrl: database.url,
      dnsServers: dns.address,
      env: { OUTBOUND_RELAY: receiver.address, OUTBOUND_RETRY_SCHEDULE: "1", OUTBOUND_HELO: "gw.acme-msp.example" },
    });
  });

  afterAll(async () => {
    await mta?.stop();
    await Promise.all([receiver?.close(), dns?.close()]);
    await database?.drop();
  });

  it("R-UX-3 a note is in the thread and never emailed: the receiving MTA gets only the replies around it", async () => {
    const db = database.db;
    const params = { tenantId: acme.tenantId, authorId: acme.userId, ...mail };
    const to = [{ address: "jane@client.example", name: "Jane Client" }];
    const first = await replyToTicket(db, params, { ticketId, to, body: "Looking into it now." });
    const note = await addTicketNote(
      db,
      { tenantId: acme.tenantId, authorId: acme.userId },
      { ticketId, body: "Firewall keepalive is 3600 s: CONFIDENTIAL-NOTE-7f3a. Do not tell the client." },
    );
    const second = await replyToTicket(db, params, { ticketId, to, body: "Fixed: please try again." });

    // The positive signal: both replies arrive (in either order), and every outbound job has finished.
    const firstMail = await receiver.waitFor((m) => messageIdOf(m) === first.messageIdHeader);
    const secondMail = await receiver.waitFor((m) => messageIdOf(m) === second.messageIdHeader);
    await waitUntil("every outbound job finished", async () => {
      const jobs = await db.outboundJob.findMany({ where: { tenantId: acme.tenantId } });
      return jobs.length > 0 && jobs.every((j) => j.state === "DELIVERED") ? jobs : null;
    }, { context: () => mta.output().slice(-3000) });

    expect(receiver.attempts).toHaveLength(2);
    expect(receiver.messages.map(messageIdOf).sort()).toEqual([first.messageIdHeader, second.messageIdHeader].sort());
    for (const got of [firstMail, secondMail]) expect(got.raw.toString("latin1")).not.toContain("CONFIDENTIAL-NOTE-7f3a");
    expect(secondMail.raw.toString("latin1")).toContain("Fixed: please try again.");
    // No outbound job ever named anything but the two replies.
    const jobMessages = await db.outboundJob.findMany({ where: { tenantId: acme.tenantId }, select: { messageId: true } });
    expect(new Set(jobMessages.map((j) => j.messageId))).toEqual(new Set([first.messageId, second.messageId]));

    // In the thread: the note with its author and time, between the two replies; the messages are only mail.
    const detail = await getTicket(db, { tenantId: acme.tenantId, ticketId, ...mail });
    expect(detail.notes).toEqual([
      { id: note.id, body: note.body, createdAt: note.createdAt, author: { id: acme.userId, name: "Tess Tech" } },
    ]);
    expect(detail.messages.map((m) => m.newText)).not.toContain(note.body);
    const sentAt = (id: string) => detail.messages.find((m) => m.id === id)!.sentAt.getTime();
    expect(note.createdAt.getTime()).toBeGreaterThanOrEqual(sentAt(first.messageId));
    expect(note.createdAt.getTime()).toBeLessThanOrEqual(sentAt(second.messageId));
  });
});
