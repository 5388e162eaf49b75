/**
 * Threading cannot be steered across tenants or forged, over real SMTP (R-IN-6, R-TEN-1, R-TEN-3): another
 * tenant's reply address, VERP bounce address, stored Message-Id or signed outbound Message-Id never threads a
 * message into that tenant's ticket, and forged or altered tokens and MACs are refused at RCPT or ignored.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replyAddress, tenantMailbox } from "../../server/mail/addresses";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { sendMail, SmtpClient, startMta, TEST_APP_SECRET, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { buildMessage, uniqueId, type MessageInput } from "../mta/helpers";

const mailbox = (slug: string) => tenantMailbox(slug, TEST_INBOUND_DOMAIN);
const base32 = (n: number) => Array.from(randomBytes(n), (b) => "abcdefghijklmnopqrstuvwxyz234567"[b % 32]).join("");

describe.each(testProviders())("R-IN-6 / R-TEN-1 threading isolation over SMTP on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let mta: MtaProcess;
  let alpha: { id: string };
  let bravo: { id: string };
  /** alpha's victim ticket and the handles an attacker might have seen. */
  let victim: {
    ticketId: string;
    rootMessageId: string;
    replyAddress: string;
    signedMessageId: string;
    bounceAddress: string;
  };
  const sender = "eve@attacker.example";

  const db = () => database.db;
  const inboundCount = (ticketId: string) => db().message.count({ where: { ticketId, direction: "INBOUND" } });

  /** Delivers and returns the stored message of the tenant whose mailbox received it. */
  async function deliver(input: MessageInput, envelopeTo: string) {
    const tenantId = envelopeTo.includes("@bravo.") ? bravo.id : alpha.id;
    const messageId = input.messageId ?? uniqueId("attacker.example");
    const raw = await buildMessage({ ...input, messageId });
    const result = await sendMail(mta, { from: sender, to: [envelopeTo], data: raw });
    expect(result.final?.code, JSON.stringify(result)).toBe(250);
    return db().message.findFirstOrThrow({
      where: { tenantId, messageIdHeader: messageId, direction: "INBOUND" },
      orderBy: { createdAt: "desc" },
      include: { ticket: true },
    });
  }

  async function rcpt(address: string): Promise<number> {
    const c = await SmtpClient.connect(mta.port);
    try {
      await c.command("EHLO attacker.example");
      await c.command(`MAIL FROM:<${sender}>`);
      return (await c.command(`RCPT TO:<${address}>`)).code;
    } finally {
      await c.close();
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    // Senders authenticate (SPF pass, no DMARC record), so new tickets are acknowledged (R-IN-9).
    dns = await startDnsServer({ "customer.example": [{ type: "TXT" as const, data: "v=spf1 ip4:127.0.0.1 -all" }] });
    alpha = await createTenantRow(database.db, "alpha", { autoAckEnabled: true });
    bravo = await createTenantRow(database.db, "bravo", { autoAckEnabled: true });
    mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address });

    // A real ticket of alpha, acknowledged: its reply address, signed Message-Id and VERP address exist.
    const rootMessageId = uniqueId("customer.example");
    const raw = await buildMessage({ from: "carol@customer.example", to: mailbox("alpha"), messageId: rootMessageId });
    const sent = await sendMail(mta, { from: "carol@customer.example", to: [mailbox("alpha")], data: raw });
    expect(sent.final?.code).toBe(250);
    const root = await db().message.findFirstOrThrow({ where: { tenantId: alpha.id, messageIdHeader: rootMessageId } });
    const ack = await db().message.findFirstOrThrow({ where: { ticketId: root.ticketId, kind: "AUTO_ACK" } });
    victim = {
      ticketId: root.ticketId,
      rootMessageId,
      replyAddress: replyAddress(TEST_APP_SECRET, { slug: "alpha", ticketId: root.ticketId }, TEST_INBOUND_DOMAIN),
      signedMessageId: ack.messageIdHeader,
      bounceAddress: ack.envelopeFrom!,
    };
    expect(victim.signedMessageId).toMatch(/^om\.alpha\./);
    expect(victim.bounceAddress).toMatch(/^bounce-/);
  });

  afterAll(async () => {
    await mta?.stop();
    await dns?.close();
    await database?.drop();
  });

  it("control: alpha's own reply address and signed Message-Id do thread into the ticket", async () => {
    const before = await inboundCount(victim.ticketId);
    expect(
      (await deliver({ from: "carol@customer.example", to: victim.replyAddress }, victim.replyAddress)).ticketId,
    ).toBe(victim.ticketId);
    expect(
      (
        await deliver(
          { from: "carol@customer.example", to: mailbox("alpha"), inReplyTo: victim.signedMessageId },
          mailbox("alpha"),
        )
      ).ticketId,
    ).toBe(victim.ticketId);
    expect(await inboundCount(victim.ticketId)).toBe(before + 2);
  });

  it("R-IN-6 References naming two tickets: the most recent entry (the last) wins, whichever ticket is older", async () => {
    const first = await deliver(
      { from: "dan@customer.example", to: mailbox("alpha"), subject: "Printer" },
      mailbox("alpha"),
    );
    const second = await deliver(
      { from: "erin@customer.example", to: mailbox("alpha"), subject: "VPN" },
      mailbox("alpha"),
    );
    expect(first.ticketId).not.toBe(second.ticketId);
    const reply = (references: string[]) =>
      deliver(
        { from: "dan@customer.example", to: mailbox("alpha"), subject: "Re: both", references },
        mailbox("alpha"),
      );
    // RFC 5322 3.6.4: References lists the thread oldest first, so its last entry is the parent.
    expect((await reply([first.messageIdHeader, second.messageIdHeader])).ticketId).toBe(second.ticketId);
    expect((await reply([second.messageIdHeader, first.messageIdHeader])).ticketId).toBe(first.ticketId);
  });

  it.each([
    ["alpha's reply address in To", () => ({ to: [mailbox("bravo"), victim.replyAddress] })],
    ["alpha's reply address in Cc", () => ({ to: mailbox("bravo"), cc: [victim.replyAddress] })],
    [
      "alpha's reply token moved onto bravo's domain in To",
      () => ({ to: [mailbox("bravo"), victim.replyAddress.replace("@alpha.", "@bravo.")] }),
    ],
    ["alpha's stored Message-Id in In-Reply-To", () => ({ to: mailbox("bravo"), inReplyTo: victim.rootMessageId })],
    ["alpha's stored Message-Id in References", () => ({ to: mailbox("bravo"), references: [victim.rootMessageId] })],
    ["alpha's signed Message-Id in In-Reply-To", () => ({ to: mailbox("bravo"), inReplyTo: victim.signedMessageId })],
    [
      "alpha's signed Message-Id re-labelled for bravo",
      () => ({ to: mailbox("bravo"), inReplyTo: victim.signedMessageId.replace(/^om\.alpha\./, "om.bravo.") }),
    ],
    ["alpha's VERP address in To", () => ({ to: [mailbox("bravo"), victim.bounceAddress] })],
  ])("sent to bravo with %s → a bravo ticket, alpha's ticket untouched", async (_name, shape) => {
    const before = await inboundCount(victim.ticketId);
    const landed = await deliver({ from: sender, subject: "Re: your ticket", ...shape() }, mailbox("bravo"));
    expect(landed.tenantId).toBe(bravo.id);
    expect(landed.ticket.tenantId).toBe(bravo.id);
    expect(landed.ticketId).not.toBe(victim.ticketId);
    expect(await inboundCount(victim.ticketId)).toBe(before);
  });

  it.each([
    [
      "a reply address with a forged token in To",
      () => ({ to: [mailbox("alpha"), `reply-${victim.ticketId}-${base32(16)}@alpha.${TEST_INBOUND_DOMAIN}`] }),
    ],
    [
      "a signed Message-Id with a forged MAC",
      () => ({ inReplyTo: victim.signedMessageId.replace(/\.[0-9a-f]{20}@/, `.${randomBytes(10).toString("hex")}@`) }),
    ],
    [
      "a signed Message-Id naming the ticket with another message id",
      () => ({ references: [victim.signedMessageId.replace(/^(om\.alpha\.[a-z0-9]+\.)[a-z0-9]+/, "$1forgedmessage")] }),
    ],
  ])("sent to alpha with %s → a new ticket, not the victim's", async (_name, shape) => {
    const before = await inboundCount(victim.ticketId);
    const landed = await deliver(
      { from: sender, to: mailbox("alpha"), subject: "Re: your ticket", ...shape() },
      mailbox("alpha"),
    );
    expect(landed.tenantId).toBe(alpha.id);
    expect(landed.ticketId).not.toBe(victim.ticketId);
    expect(await inboundCount(victim.ticketId)).toBe(before);
  });

  it("a message reusing alpha's Message-Id, sent to bravo, is bravo's own message (not a duplicate of alpha's)", async () => {
    const before = await inboundCount(victim.ticketId);
    const landed = await deliver(
      { from: sender, to: mailbox("bravo"), messageId: victim.rootMessageId },
      mailbox("bravo"),
    );
    expect(landed.tenantId).toBe(bravo.id);
    expect(landed.ticketId).not.toBe(victim.ticketId);
    expect(await inboundCount(victim.ticketId)).toBe(before);
  });

  it("forged, moved or altered reply and VERP addresses are refused at RCPT (550); the genuine ones are accepted", async () => {
    expect(await rcpt(victim.replyAddress)).toBe(250);
    expect(await rcpt(victim.replyAddress.toUpperCase())).toBe(250);
    expect(await rcpt(victim.bounceAddress)).toBe(250);
    const refused = [
      `reply-${victim.ticketId}-${base32(16)}@alpha.${TEST_INBOUND_DOMAIN}`,
      victim.replyAddress.replace("@alpha.", "@bravo."),
      victim.replyAddress.replace(
        /-([a-z2-7]{16})@/,
        (_m, t: string) => `-${t.slice(0, 15)}${t.endsWith("a") ? "b" : "a"}@`,
      ),
      victim.replyAddress.replace(/-([a-z2-7]{16})@/, (_m, t: string) => `-${t.slice(0, 15)}@`),
      victim.replyAddress.replace(/^reply-/, "bounce-"),
      victim.bounceAddress.replace("@alpha.", "@bravo."),
      victim.bounceAddress.replace(/-([a-z2-7]{16})@/, `-${base32(16)}@`),
      victim.bounceAddress.replace(/^bounce-/, "reply-"),
    ];
    for (const address of refused) expect(await rcpt(address), address).toBe(550);
  });
});
