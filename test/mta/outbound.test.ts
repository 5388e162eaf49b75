/**
 * Issue 4 over real sockets: the real MTA (scripts/mta.ts, whose outbound worker delivers the queue) on every
 * provider of testProviders(), a local DNS server publishing the sending domain's DKIM, SPF and DMARC records, and a
 * local receiving MTA (smtp-server) reached through OUTBOUND_RELAY. Tickets are opened by real inbound mail; replies
 * are queued with queueReply, as the ticket page does. Every test names the requirement it covers.
 */
import type { DNSResolver } from "mailauth";
import { dkimVerify } from "mailauth/lib/dkim/verify";
import { simpleParser, type ParsedMail } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResolver, type Resolver } from "../../server/dns/resolver";
import { replyAddress, tenantMailbox } from "../../server/mail/addresses";
import { queueReply, type QueueReplyInput } from "../../server/outbound";
import { createTestDatabase, testProviders, WEB_PROCESS_DB_OPTIONS, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { sendMail, startMta, TEST_APP_SECRET, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { seedSendingTenant, type SendingTenant } from "../support/outbound-data";
import { messageIdOf, startSmtpReceiver, type ReceivedMail, type SmtpReceiver } from "../support/smtp-receiver";
import { buildDsn, buildMessage, uniqueId } from "./helpers";

const CLIENT = "client.example";

describe.each(testProviders())("outbound delivery through OUTBOUND_RELAY on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let resolver: Resolver;
  let receiver: SmtpReceiver;
  let mta: MtaProcess;
  let acme: SendingTenant;

  const db = () => database.db;
  const mailbox = () => tenantMailbox(acme.slug, TEST_INBOUND_DOMAIN);

  /** Opens a ticket the way a client does: real mail to the tenant's mailbox. Returns the ticket and its message. */
  async function openTicket(from: string, subject = "Printer on fire") {
    const messageId = uniqueId(CLIENT);
    const raw = await buildMessage({ from, to: mailbox(), messageId, subject });
    const sent = await sendMail(mta, { from: from.replace(/^.*<|>$/g, ""), to: [mailbox()], data: raw });
    expect(sent.final?.code, mta.output().slice(-2000)).toBe(250);
    const message = await db().message.findFirstOrThrow({ where: { tenantId: acme.tenantId, messageIdHeader: messageId } });
    return { ticketId: message.ticketId, messageId };
  }

  function reply(ticketId: string, input: Partial<QueueReplyInput> & Pick<QueueReplyInput, "to">) {
    return queueReply(db(), {
      tenantId: acme.tenantId,
      ticketId,
      authorId: acme.userId,
      bodyText: "We are on it.\n",
      secret: TEST_APP_SECRET,
      inboundDomain: TEST_INBOUND_DOMAIN,
      ...input,
    });
  }

  /** The message whose own Message-ID is `id` (a later reply's References name earlier ones too). */
const byMessageId = (id: string) => (m: ReceivedMail) => messageIdOf(m) === id;

  async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${mta.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  const settled = (messageId: string, state: string) =>
    until(`message ${messageId} ${state}`, async () => {
      const m = await db().message.findUniqueOrThrow({ where: { id: messageId } });
      return m.deliveryState === state ? m : null;
    });

  const activity = (messageId: string) => db().activityLog.findMany({ where: { messageId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });

  /** Header lines of the received message, unfolded, as [lower-case name, value]. */
  function headerLines(raw: Buffer): [string, string][] {
    const head = raw.toString("latin1").split("\r\n\r\n")[0]!.replace(/\r\n[ \t]+/g, " ");
    return head.split("\r\n").map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]);
  }

  beforeAll(async () => {
    [database, dns, receiver] = await Promise.all([createTestDatabase(provider, WEB_PROCESS_DB_OPTIONS), startDnsServer(), startSmtpReceiver()]);
    resolver = createResolver({ servers: [dns.address], timeoutMs: 1_000, tries: 1 });
    // The client's mail authenticates (SPF pass from the test's address, no DMARC), so it may be acknowledged
    // (R-IN-9). Published before any mail: the MTA keeps DNS answers, a missing record too, for DNS_CACHE_SECONDS.
    dns.set(CLIENT, [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }]);
    acme = await seedSendingTenant(database.db, dns, {
      slug: "acme",
      domain: "acme-msp.example",
      clientDomain: CLIENT,
      contacts: ["jane@client.example", "nobody@client.example", "carol@client.example"],
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

  it("R-OUT-1 R-OUT-3 R-OUT-4 a reply is delivered over STARTTLS, threaded, DKIM-valid, and logged queued → delivered", async () => {
    const { ticketId, messageId: inboundId } = await openTicket("Jane Client <jane@client.example>");
    const q = await reply(ticketId, { to: [{ address: "jane@client.example", name: "Jane Client" }], cc: ["bob@client.example"] });
    const got = await receiver.waitFor(byMessageId(q.messageIdHeader));

    expect(got.envelopeFrom).toBe(q.envelopeFrom);
    expect(got.recipients.sort()).toEqual(["bob@client.example", "jane@client.example"]);
    expect(got.secure).toBe(true);
    expect(got.heloName).toBe("gw.acme-msp.example");
    const mail: ParsedMail = await simpleParser(got.raw);
    expect(mail.from?.value).toEqual([{ address: "support@acme-msp.example", name: "Acme Support" }]);
    expect(mail.replyTo?.value[0]?.address).toBe(replyAddress(TEST_APP_SECRET, { slug: "acme", ticketId }, TEST_INBOUND_DOMAIN));
    expect(mail.messageId).toBe(`<${q.messageIdHeader}>`);
    expect(mail.inReplyTo).toBe(`<${inboundId}>`);
    expect([mail.references].flat()).toEqual([`<${inboundId}>`]);
    expect(mail.subject).toBe("Re: Printer on fire");

    const dkim = await dkimVerify(got.raw, { resolver: resolver as DNSResolver });
    expect(dkim.results[0]).toMatchObject({ signingDomain: "acme-msp.example", selector: acme.selector, status: { result: "pass" } });

    const delivered = await settled(q.messageId, "DELIVERED");
    expect(delivered.deliveryDetail).toMatch(/^250 .*queued as test/);
    const log = await activity(q.messageId);
    expect(log.map((l) => l.outcome)).toEqual(["QUEUED", "DELIVERED"]);
    expect(log[1]).toMatchObject({ direction: "OUTBOUND", ticketId, envelopeFrom: q.envelopeFrom, messageIdHeader: q.messageIdHeader });
    expect(log[1]!.remoteReply).toMatch(/^250 /);
    expect(log[1]!.reason).toBe(`Delivered via ${receiver.address} with STARTTLS`);
    expect(await db().outboundJob.findFirstOrThrow({ where: { messageId: q.messageId } })).toMatchObject({ state: "DELIVERED", attempts: 1, lockedBy: null, dataSentAt: null });
  });

  it("R-OUT-3 R-OUT-4 a 4xx is deferred with its next attempt shown, then delivered on the retry", async () => {
    const { ticketId } = await openTicket("Jane Client <jane@client.example>", "VPN down");
    let refusals = 0;
    receiver.rules = {
      data: (m) => (m.raw.toString("latin1").includes("VPN down") && refusals++ === 0 ? { code: 451, message: "4.7.1 Greylisted, please try again later" } : null),
    };
    try {
      const q = await reply(ticketId, { to: ["jane@client.example"] });
      await receiver.waitFor(byMessageId(q.messageIdHeader));
      await settled(q.messageId, "DELIVERED");
      const log = await activity(q.messageId);
      expect(log.map((l) => l.outcome)).toEqual(["QUEUED", "DEFERRED", "DELIVERED"]);
      const deferred = log[1]!;
      expect(deferred.remoteReply).toBe("451 4.7.1 Greylisted, please try again later");
      expect(deferred.nextAttemptAt).toBeInstanceOf(Date);
      // OUTBOUND_RETRY_SCHEDULE=1: the next attempt is one second after the refusal.
      expect(deferred.nextAttemptAt!.getTime() - deferred.createdAt.getTime()).toBe(1_000);
      expect(deferred.reason).toMatch(new RegExp(`^Attempt 1 deferred via ${receiver.address} with STARTTLS; next attempt ${deferred.nextAttemptAt!.toISOString()}$`));
      expect(receiver.attempts.filter(byMessageId(q.messageIdHeader))).toHaveLength(2);
      expect(receiver.messages.filter(byMessageId(q.messageIdHeader))).toHaveLength(1);
      expect(await db().outboundJob.findFirstOrThrow({ where: { messageId: q.messageId } })).toMatchObject({ state: "DELIVERED", attempts: 2 });
    } finally {
      receiver.rules = {};
    }
  });

  it("R-OUT-4 a 5xx bounces with the remote text and marks the contact failing; the other recipient still gets it", async () => {
    const { ticketId } = await openTicket("Jane Client <jane@client.example>", "Mailbox full?");
    receiver.rules = { rcpt: (a) => (a === "nobody@client.example" ? { code: 550, message: "5.1.1 <nobody@client.example>: No such user here" } : null) };
    try {
      const q = await reply(ticketId, { to: ["jane@client.example"], cc: ["nobody@client.example"] });
      const got = await receiver.waitFor(byMessageId(q.messageIdHeader));
      expect(got.recipients).toEqual(["jane@client.example"]);
      const bounced = await settled(q.messageId, "BOUNCED");
      expect(bounced.deliveryDetail).toBe("550 5.1.1 <nobody@client.example>: No such user here");
      const log = await activity(q.messageId);
      expect(log.map((l) => l.outcome)).toEqual(["QUEUED", "DELIVERED", "BOUNCED"]);
      expect(log[1]).toMatchObject({ toAddress: "jane@client.example" });
      expect(log[2]).toMatchObject({ toAddress: "nobody@client.example", remoteReply: "550 5.1.1 <nobody@client.example>: No such user here", bounceDetail: "550 5.1.1 <nobody@client.example>: No such user here" });
      const nobody = await db().contact.findFirstOrThrow({ where: { tenantId: acme.tenantId, email: "nobody@client.example" } });
      expect(nobody).toMatchObject({ emailFailing: true, lastBounceReason: "550 5.1.1 <nobody@client.example>: No such user here" });
      expect((await db().contact.findFirstOrThrow({ where: { tenantId: acme.tenantId, email: "jane@client.example" } })).emailFailing).toBe(false);
      expect(await db().outboundJob.findFirstOrThrow({ where: { messageId: q.messageId } })).toMatchObject({ state: "BOUNCED", attempts: 1 });
    } finally {
      receiver.rules = {};
    }
  });

  it("R-OUT-4 R-IN-8 a DSN sent back to the VERP address through the gateway's SMTP port flips a delivered message to bounced", async () => {
    const { ticketId } = await openTicket("Carol <carol@client.example>", "Quota warning");
    const q = await reply(ticketId, { to: ["carol@client.example"] });
    await settled(q.messageId, "DELIVERED");
    const dsn = buildDsn({
      to: q.envelopeFrom,
      reportingMta: "mx.client.example",
      text: "Your message was rejected by the final mailbox server.",
      finalRecipient: "carol@client.example",
      status: "5.7.1",
      diagnostic: "550 5.7.1 Message rejected as spam (score 9.2)",
      returnedMessageId: q.messageIdHeader,
    });
    const sent = await sendMail(mta, { from: "", to: [q.envelopeFrom], data: dsn });
    expect(sent.final?.code, mta.output().slice(-2000)).toBe(250);

    const bounced = await settled(q.messageId, "BOUNCED");
    // RFC 3464 fields: Status, then the Diagnostic-Code's text; its spam score is not repeated.
    expect(bounced.deliveryDetail).toBe("5.7.1 550 5.7.1 Message rejected as spam (score 9.2)");
    const log = await activity(q.messageId);
    expect(log.map((l) => `${l.direction} ${l.outcome}`)).toEqual(["OUTBOUND QUEUED", "OUTBOUND DELIVERED", "OUTBOUND BOUNCED", "INBOUND DELIVERED"]);
    expect(log[2]).toMatchObject({ reason: "Bounce notification (DSN) received", toAddress: "carol@client.example" });
    expect(log[2]!.bounceDetail).toMatch(/Message rejected as spam/);
    expect((await db().contact.findFirstOrThrow({ where: { tenantId: acme.tenantId, email: "carol@client.example" } })).emailFailing).toBe(true);
    expect(receiver.messages.filter(byMessageId(q.messageIdHeader))).toHaveLength(1);
  });

  it("R-OUT-5 CR/LF in the subject, display names and addresses never create a header, end to end", async () => {
    const { ticketId } = await openTicket("Jane Client <jane@client.example>", "Injection");
    const evil = "evil@attacker.example";
    const q = await reply(ticketId, {
      subject: `Hello\r\nBcc: ${evil}\r\nX-Injected: subject`,
      to: [{ address: "jane@client.example", name: `Jane\r\nBcc: ${evil}\nX-Injected: name` }],
    });
    // Addresses are refused outright (nothing is queued), not cleaned.
    for (const address of [`jane@client.example\r\nBcc: ${evil}`, `jane@client.example\nX-Injected: yes`, `"x\r\nBcc: ${evil}"@client.example`]) {
      await expect(reply(ticketId, { to: [address] })).rejects.toMatchObject({ code: "BAD_INPUT", field: "to" });
      await expect(reply(ticketId, { to: ["jane@client.example"], cc: [address] })).rejects.toMatchObject({ code: "BAD_INPUT", field: "cc" });
    }
    const got = await receiver.waitFor(byMessageId(q.messageIdHeader));
    expect(got.recipients).toEqual(["jane@client.example"]);
    const names = headerLines(got.raw).map(([n]) => n);
    expect(names).not.toContain("bcc");
    expect(names).not.toContain("x-injected");
    expect(names.filter((n) => n === "subject")).toHaveLength(1);
    expect(names.filter((n) => n === "to")).toHaveLength(1);
    const mail = await simpleParser(got.raw);
    expect(mail.subject).toBe(`Hello Bcc: ${evil} X-Injected: subject`);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : null).toEqual([{ address: "jane@client.example", name: `Jane Bcc: ${evil} X-Injected: name` }]);
    expect(mail.bcc).toBeUndefined();
    expect((await dkimVerify(got.raw, { resolver: resolver as DNSResolver })).results[0]?.status.result).toBe("pass");
    expect(receiver.messages.some((m) => m.recipients.includes(evil))).toBe(false);
    await settled(q.messageId, "DELIVERED");
  });

  it("R-IN-9 R-OUT-3 R-OUT-5 an auto-acknowledgement goes out through the same worker, signed, with an injected sender name inert", async () => {
    await db().tenant.update({ where: { id: acme.tenantId }, data: { autoAckEnabled: true } });
    try {
      const evil = "evil@attacker.example";
      // The sender's display name decodes to text with CR/LF and header lines in it.
      const from = `=?utf-8?Q?Eve=0D=0ABcc:_${evil.replace("@", "=40")}=0D=0AX-Injected:_ack?= <eve@client.example>`;
      const { ticketId, messageId: inboundId } = await openTicket(from, "Laptop will not boot");
      const ack = await until("the auto-acknowledgement", () => db().message.findFirst({ where: { ticketId, kind: "AUTO_ACK" } }));
      const got = await receiver.waitFor(byMessageId(ack.messageIdHeader));
      expect(got.recipients).toEqual(["eve@client.example"]);
      expect(got.envelopeFrom).toBe(ack.envelopeFrom);
      const names = headerLines(got.raw).map(([n]) => n);
      expect(names).not.toContain("bcc");
      expect(names).not.toContain("x-injected");
      const mail = await simpleParser(got.raw);
      expect(mail.headers.get("auto-submitted")).toBe("auto-replied");
      expect(mail.inReplyTo).toBe(`<${inboundId}>`);
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : null).toBe("eve@client.example");
      expect((await dkimVerify(got.raw, { resolver: resolver as DNSResolver })).results[0]).toMatchObject({ signingDomain: "acme-msp.example", status: { result: "pass" } });
      await settled(ack.id, "DELIVERED");
      expect((await activity(ack.id)).map((l) => l.outcome)).toEqual(["QUEUED", "DELIVERED"]);
    } finally {
      await db().tenant.update({ where: { id: acme.tenantId }, data: { autoAckEnabled: false } });
    }
  });
});
