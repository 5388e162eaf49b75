/**
 * Issue 3 over real SMTP: the real Haraka (scripts/mta.ts), a real database (every provider of
 * testProviders()) and a local DNS server serving SPF, DKIM and DMARC records (some split into several
 * strings). Every test names the requirement it covers. One MTA per provider for the whole file.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replyAddress, tenantMailbox, dmarcReportAddress, tlsReportAddress } from "../../server/mail/addresses";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createClientRow, createTenantRow } from "../support/gateway-data";
import { sendMail, SmtpClient, startMta, TEST_APP_SECRET, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { buildDsn, buildMessage, dkimSignRaw, generateDkimKey, publishDkimKey, uniqueId, type DkimKey } from "./helpers";

const fixtures = path.resolve(import.meta.dirname, "../fixtures");
const mailbox = (slug: string) => tenantMailbox(slug, TEST_INBOUND_DOMAIN);

describe.each(testProviders())("inbound pipeline on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let mta: MtaProcess;
  let dkimKey: DkimKey;
  let acme: { id: string };
  let globex: { id: string };
  let contoso: { id: string };
  let freelancer: { id: string };

  const db = () => database.db;

  /** Sends one message and returns the final reply (after DATA). */
  async function deliver(raw: Buffer, envelope: { from: string; to: string | string[] }) {
    const result = await sendMail(mta, { from: envelope.from, to: [envelope.to].flat(), data: raw });
    return result;
  }

  async function deliverOk(raw: Buffer, envelope: { from: string; to: string | string[] }) {
    const result = await deliver(raw, envelope);
    expect(result.final?.code, `${JSON.stringify(result.final)}\n${mta.output().slice(-3000)}`).toBe(250);
    return result;
  }

  async function messageByHeader(tenantId: string, messageIdHeader: string) {
    return db().message.findFirst({ where: { tenantId, messageIdHeader }, include: { ticket: true, source: true, attachments: true } });
  }

  async function activityFor(tenantId: string, messageIdHeader: string) {
    return db().activityLog.findMany({ where: { tenantId, messageIdHeader, direction: "INBOUND" }, orderBy: { createdAt: "asc" } });
  }

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    dkimKey = generateDkimKey("signed.example", "sel2026");
    dns = await startDnsServer({
      "signed.example": [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }],
      // Split into several strings: TXT chunks must be joined before parsing (R-IN-2).
      "_dmarc.signed.example": [{ type: "TXT", data: ["v=DMARC1; p=reject; ", "adkim=r; aspf=r"] }],
      "bank.example": [{ type: "TXT", data: ["v=spf1 ip4:192.0.2.10 ", "-all"] }],
      "_dmarc.bank.example": [{ type: "TXT", data: "v=DMARC1; p=reject" }],
      "nodmarc.example": [{ type: "TXT", data: "v=spf1 ip4:192.0.2.10 -all" }],
      // Senders whose mail passes SPF from the test's address with no DMARC record: authenticated, so they may be
      // acknowledged (R-IN-9).
      ...Object.fromEntries(
        ["signedthread.example", "loop.example", "ratelimit.example", "own-address.example", "bounces.example", "vendor.example"].map(
          (d) => [d, [{ type: "TXT" as const, data: "v=spf1 ip4:127.0.0.1 -all" }]],
        ),
      ),
    });
    publishDkimKey(dns, dkimKey);
    acme = await createTenantRow(database.db, "acme");
    globex = await createTenantRow(database.db, "globex");
    contoso = await createClientRow(database.db, acme.id, {
      name: "Contoso",
      primaryDomain: "contoso.example",
      aliasDomains: ["contoso-alias.example"],
    });
    freelancer = await createClientRow(database.db, acme.id, { name: "Freelancer", contacts: ["bob@freemail.example"] });
    await database.db.blocklistEntry.createMany({
      data: [
        { tenantId: acme.id, kind: "DOMAIN", value: "spam.example" },
        { tenantId: acme.id, kind: "PATTERN", value: "*@bulk?.example" },
      ],
    });
    // These tests inspect auto-acknowledgements as queued; delivering them is test/mta/outbound*.test.ts's subject.
    mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address, env: { OUTBOUND_DELIVERY: "off" } });
  });

  afterAll(async () => {
    if (process.env.SHOW_MTA_LOG) console.log(mta?.output());
    await mta?.stop();
    await dns?.close();
    await database?.drop();
  });

  it("R-IN-7, R-IN-5, R-ACT-1: a new message becomes a ticket of the client owning the sender's primary domain, stored whole", async () => {
    const messageId = uniqueId("contoso.example");
    const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");
    const raw = await buildMessage({
      from: "Alice Example <alice@contoso.example>",
      to: mailbox("acme"),
      subject: "=?UTF-8?Q?Dru=C3=A7ker_offline?=",
      messageId,
      html: '<p>Printer <b>offline</b><img src="cid:logo@contoso"></p><script>alert(1)</script>',
      attachments: [
        { filename: "logo.png", content: png, contentType: "image/png", cid: "logo@contoso" },
        { filename: "report.pdf", content: Buffer.from("%PDF-1.4 test"), contentType: "application/pdf" },
      ],
    });
    await deliverOk(raw, { from: "alice@contoso.example", to: mailbox("acme") });

    const message = await messageByHeader(acme.id, messageId);
    expect(message).not.toBeNull();
    expect(message!.direction).toBe("INBOUND");
    expect(message!.ticket.clientId).toBe(contoso.id);
    expect(message!.ticket.number).toBeGreaterThan(0);
    // The raw source is byte-for-byte what went over the wire (after dot-unstuffing).
    expect(Buffer.from(message!.source!.raw).equals(raw)).toBe(true);
    expect(message!.htmlBody).toContain("offline");
    expect(message!.htmlBody).not.toContain("<script");
    expect(message!.textBody).toContain("printer on floor 2");
    expect(message!.attachments.map((a) => a.filename).sort()).toEqual(["logo.png", "report.pdf"]);
    expect(message!.attachments.find((a) => a.filename === "logo.png")?.contentId).toBe("logo@contoso");
    expect(JSON.parse(message!.headersJson!)).toEqual(expect.arrayContaining([expect.arrayContaining(["Message-ID"])]));
    const requester = await db().contact.findUnique({ where: { id: message!.ticket.requesterId! } });
    expect(requester?.email).toBe("alice@contoso.example");
    expect(requester?.clientId).toBe(contoso.id);

    const [row] = await activityFor(acme.id, messageId);
    expect(row).toMatchObject({
      outcome: "DELIVERED",
      envelopeFrom: "alice@contoso.example",
      fromAddress: "alice@contoso.example",
      ticketId: message!.ticketId,
      messageId: message!.id,
      remoteIp: "127.0.0.1",
    });
    expect(row!.envelopeTo).toBe(mailbox("acme"));
    expect(row!.spf).toBe("none");
    expect(row!.dmarc).toBe("none");
    expect(row!.processingMs).toBeGreaterThanOrEqual(0);
    expect(row!.subject).toBe("Druçker offline");
  });

  it("R-IN-5: alias domains and their subdomains route to the client; a contact's address routes to its client; others are Unattributed", async () => {
    const alias = uniqueId("mail.contoso-alias.example");
    await deliverOk(await buildMessage({ from: "x@mail.contoso-alias.example", to: mailbox("acme"), messageId: alias }), {
      from: "x@mail.contoso-alias.example",
      to: mailbox("acme"),
    });
    expect((await messageByHeader(acme.id, alias))!.ticket.clientId).toBe(contoso.id);

    const contact = uniqueId("freemail.example");
    await deliverOk(await buildMessage({ from: "Bob <BOB@freemail.example>", to: mailbox("acme"), messageId: contact }), {
      from: "bob@freemail.example",
      to: mailbox("acme"),
    });
    expect((await messageByHeader(acme.id, contact))!.ticket.clientId).toBe(freelancer.id);

    const nobody = uniqueId("unknown.example");
    await deliverOk(await buildMessage({ from: "someone@unknown.example", to: mailbox("acme"), messageId: nobody }), {
      from: "someone@unknown.example",
      to: mailbox("acme"),
    });
    const unattributed = await messageByHeader(acme.id, nobody);
    expect(unattributed!.ticket.clientId).toBeNull();
    expect((await activityFor(acme.id, nobody))[0]!.reason).toMatch(/unattributed/);
  });

  it("R-IN-2: DKIM-signed mail from a domain with split DKIM and DMARC records passes and the verdicts are stored", async () => {
    const messageId = uniqueId("signed.example");
    const raw = await dkimSignRaw(
      await buildMessage({ from: "ceo@signed.example", to: mailbox("acme"), messageId, subject: "Signed request" }),
      dkimKey,
    );
    await deliverOk(raw, { from: "ceo@signed.example", to: mailbox("acme") });
    const message = await messageByHeader(acme.id, messageId);
    expect(message).toMatchObject({ spf: "pass", dkim: "pass", dmarc: "pass" });
    expect(JSON.parse(message!.authJson!)).toMatchObject({ action: "deliver" });
    const [row] = await activityFor(acme.id, messageId);
    expect(row).toMatchObject({ outcome: "DELIVERED", spf: "pass", dkim: "pass", dmarc: "pass" });
  });

  it("R-IN-3: DMARC fail with p=reject is accepted at SMTP and dropped with reason dmarc; SPF fail without DMARC is dropped with reason spf", async () => {
    const spoofed = uniqueId("bank.example");
    await deliverOk(await buildMessage({ from: "ceo@bank.example", to: mailbox("acme"), messageId: spoofed }), {
      from: "ceo@bank.example",
      to: mailbox("acme"),
    });
    expect(await messageByHeader(acme.id, spoofed)).toBeNull();
    expect(await activityFor(acme.id, spoofed)).toEqual([expect.objectContaining({ outcome: "DROPPED", reason: "dmarc", dmarc: "fail" })]);

    const spf = uniqueId("nodmarc.example");
    await deliverOk(await buildMessage({ from: "it@nodmarc.example", to: mailbox("acme"), messageId: spf }), {
      from: "it@nodmarc.example",
      to: mailbox("acme"),
    });
    expect(await messageByHeader(acme.id, spf)).toBeNull();
    expect(await activityFor(acme.id, spf)).toEqual([expect.objectContaining({ outcome: "DROPPED", reason: "spf", spf: "fail" })]);
  });

  it("R-IN-4: a blocklisted sender (domain with subdomains, or pattern) is accepted, dropped silently and logged with the entry", async () => {
    const entries = await db().blocklistEntry.findMany({ where: { tenantId: acme.id }, orderBy: { value: "asc" } });
    const byDomain = uniqueId("mail.spam.example");
    const r1 = await deliverOk(await buildMessage({ from: "Win <prize@mail.SPAM.example>", to: mailbox("acme"), messageId: byDomain }), {
      from: "prize@mail.spam.example",
      to: mailbox("acme"),
    });
    expect(r1.final?.code).toBe(250);
    const byPattern = uniqueId("bulk7.example");
    await deliverOk(await buildMessage({ from: "news@bulk7.example", to: mailbox("acme"), messageId: byPattern }), {
      from: "news@bulk7.example",
      to: mailbox("acme"),
    });
    expect(await messageByHeader(acme.id, byDomain)).toBeNull();
    expect(await messageByHeader(acme.id, byPattern)).toBeNull();
    const domainEntry = entries.find((e) => e.kind === "DOMAIN")!;
    const patternEntry = entries.find((e) => e.kind === "PATTERN")!;
    expect(await activityFor(acme.id, byDomain)).toEqual([
      expect.objectContaining({ outcome: "DROPPED", blocklistEntryId: domainEntry.id, reason: "blocklist: domain spam.example" }),
    ]);
    expect((await activityFor(acme.id, byPattern))[0]?.blocklistEntryId).toBe(patternEntry.id);
    const after = await db().blocklistEntry.findUniqueOrThrow({ where: { id: domainEntry.id } });
    expect(after.dropCount).toBe(1);
    expect(after.lastDropAt).not.toBeNull();
    // The same sender in another tenant is not blocked there (tenant-scoped).
    const elsewhere = uniqueId("mail.spam.example");
    await deliverOk(await buildMessage({ from: "prize@mail.spam.example", to: mailbox("globex"), messageId: elsewhere }), {
      from: "prize@mail.spam.example",
      to: mailbox("globex"),
    });
    expect(await messageByHeader(globex.id, elsewhere)).not.toBeNull();
  });

  it("R-IN-6: mail to a ticket's reply address, or naming it in Cc, lands on that ticket whoever sends it", async () => {
    const first = uniqueId("contoso.example");
    await deliverOk(await buildMessage({ from: "dave@contoso.example", to: mailbox("acme"), messageId: first }), {
      from: "dave@contoso.example",
      to: mailbox("acme"),
    });
    const ticket = (await messageByHeader(acme.id, first))!.ticket;
    const reply = replyAddress(TEST_APP_SECRET, { slug: "acme", ticketId: ticket.id }, TEST_INBOUND_DOMAIN);

    // A CC'd colleague at another company answers to the reply address, with no In-Reply-To at all.
    const cc = uniqueId("partner.example");
    await deliverOk(await buildMessage({ from: "erin@partner.example", to: reply, messageId: cc, subject: "Re: printer" }), {
      from: "erin@partner.example",
      to: reply,
    });
    expect((await messageByHeader(acme.id, cc))!.ticketId).toBe(ticket.id);

    // Forwarded to the mailbox with the reply address only in Cc.
    const viaCc = uniqueId("contoso.example");
    await deliverOk(await buildMessage({ from: "dave@contoso.example", to: mailbox("acme"), cc: [reply], messageId: viaCc }), {
      from: "dave@contoso.example",
      to: mailbox("acme"),
    });
    expect((await messageByHeader(acme.id, viaCc))!.ticketId).toBe(ticket.id);
    expect(await db().message.count({ where: { ticketId: ticket.id, direction: "INBOUND" } })).toBe(3);
  });

  it("R-IN-6: In-Reply-To / References naming a stored Message-Id thread the reply; a merged ticket's mail lands on the survivor", async () => {
    const root = uniqueId("contoso.example");
    await deliverOk(await buildMessage({ from: "frank@contoso.example", to: mailbox("acme"), messageId: root }), {
      from: "frank@contoso.example",
      to: mailbox("acme"),
    });
    const ticket = (await messageByHeader(acme.id, root))!.ticket;
    const followUp = uniqueId("contoso.example");
    await deliverOk(
      await buildMessage({
        from: "frank@contoso.example",
        to: mailbox("acme"),
        messageId: followUp,
        subject: "Re: printer",
        references: ["unrelated@elsewhere.example", root],
      }),
      { from: "frank@contoso.example", to: mailbox("acme") },
    );
    expect((await messageByHeader(acme.id, followUp))!.ticketId).toBe(ticket.id);

    // Merge: the old ticket's reply address and Message-Ids now reach the survivor.
    const other = uniqueId("contoso.example");
    await deliverOk(await buildMessage({ from: "frank@contoso.example", to: mailbox("acme"), messageId: other, subject: "Same printer" }), {
      from: "frank@contoso.example",
      to: mailbox("acme"),
    });
    const survivor = (await messageByHeader(acme.id, other))!.ticket;
    expect(survivor.id).not.toBe(ticket.id);
    await db().ticket.update({ where: { id: ticket.id }, data: { mergedIntoId: survivor.id, status: "CLOSED" } });
    const afterMerge = uniqueId("contoso.example");
    await deliverOk(await buildMessage({ from: "frank@contoso.example", to: mailbox("acme"), messageId: afterMerge, inReplyTo: root }), {
      from: "frank@contoso.example",
      to: mailbox("acme"),
    });
    expect((await messageByHeader(acme.id, afterMerge))!.ticketId).toBe(survivor.id);
    const viaToken = uniqueId("contoso.example");
    const oldReply = replyAddress(TEST_APP_SECRET, { slug: "acme", ticketId: ticket.id }, TEST_INBOUND_DOMAIN);
    await deliverOk(await buildMessage({ from: "frank@contoso.example", to: oldReply, messageId: viaToken }), {
      from: "frank@contoso.example",
      to: oldReply,
    });
    expect((await messageByHeader(acme.id, viaToken))!.ticketId).toBe(survivor.id);
  });

  it("R-IN-6, R-TEN-1: another tenant's reply token or Message-Id is ignored; a token moved to another tenant's domain is refused", async () => {
    const acmeRoot = uniqueId("contoso.example");
    await deliverOk(await buildMessage({ from: "gina@contoso.example", to: mailbox("acme"), messageId: acmeRoot }), {
      from: "gina@contoso.example",
      to: mailbox("acme"),
    });
    const acmeTicket = (await messageByHeader(acme.id, acmeRoot))!.ticket;
    const acmeReply = replyAddress(TEST_APP_SECRET, { slug: "acme", ticketId: acmeTicket.id }, TEST_INBOUND_DOMAIN);

    // To globex's mailbox, naming acme's reply address in To and acme's Message-Id in References.
    const cross = uniqueId("contoso.example");
    await deliverOk(
      await buildMessage({ from: "gina@contoso.example", to: [mailbox("globex"), acmeReply], messageId: cross, references: [acmeRoot] }),
      { from: "gina@contoso.example", to: mailbox("globex") },
    );
    const landed = await messageByHeader(globex.id, cross);
    expect(landed!.ticket.tenantId).toBe(globex.id);
    expect(landed!.ticketId).not.toBe(acmeTicket.id);
    expect(await db().message.count({ where: { ticketId: acmeTicket.id, direction: "INBOUND" } })).toBe(1);

    // acme's token on globex's subdomain: the slug is inside the MAC, so the address is not ours.
    const moved = acmeReply.replace("@acme.", "@globex.");
    const c = await SmtpClient.connect(mta.port);
    await c.command("EHLO client.example");
    await c.command("MAIL FROM:<gina@contoso.example>");
    expect((await c.command(`RCPT TO:<${moved}>`)).code).toBe(550);
    await c.close();
  });

  it("R-IN-6: In-Reply-To naming our signed outbound Message-Id threads into its ticket, even sent to the plain mailbox", async () => {
    const sender = "lena@signedthread.example";
    const first = uniqueId("signedthread.example");
    await deliverOk(await buildMessage({ from: sender, to: mailbox("acme"), messageId: first }), { from: sender, to: mailbox("acme") });
    const ticket = (await messageByHeader(acme.id, first))!.ticket;
    const ack = await db().message.findFirstOrThrow({ where: { ticketId: ticket.id, kind: "AUTO_ACK" } });
    expect(ack.messageIdHeader).toMatch(/^om\.acme\./);
    // Stored Message-Id lookups would find it too; delete the ack row to prove the signed id alone threads.
    await db().message.delete({ where: { id: ack.id } });
    const reply = uniqueId("signedthread.example");
    await deliverOk(
      await buildMessage({ from: sender, to: mailbox("acme"), messageId: reply, inReplyTo: ack.messageIdHeader, subject: "Re: ack" }),
      { from: sender, to: mailbox("acme") },
    );
    expect((await messageByHeader(acme.id, reply))!.ticketId).toBe(ticket.id);
    // The same signed id received by another tenant is not theirs to follow.
    const foreign = uniqueId("signedthread.example");
    await deliverOk(
      await buildMessage({ from: sender, to: mailbox("globex"), messageId: foreign, inReplyTo: ack.messageIdHeader }),
      { from: sender, to: mailbox("globex") },
    );
    expect((await messageByHeader(globex.id, foreign))!.ticket.tenantId).toBe(globex.id);
  });

  it("R-IN-10: the same message (Message-Id and recipient) delivered twice makes one ticket and logs a duplicate", async () => {
    const messageId = uniqueId("contoso.example");
    const raw = await buildMessage({ from: "hank@contoso.example", to: mailbox("acme"), messageId });
    await deliverOk(raw, { from: "hank@contoso.example", to: mailbox("acme") });
    await deliverOk(raw, { from: "hank@contoso.example", to: mailbox("acme") });
    expect(await db().message.count({ where: { tenantId: acme.id, messageIdHeader: messageId } })).toBe(1);
    const rows = await activityFor(acme.id, messageId);
    expect(rows.map((r) => r.outcome)).toEqual(["DELIVERED", "DUPLICATE"]);
    expect(rows[1]!.ticketId).toBe(rows[0]!.ticketId);
  });

  it("R-IN-10: Message-Id squatting — a second message with the same Message-Id but another sender or body is kept, not a duplicate (issue 19 item 5)", async () => {
    const messageId = uniqueId("contoso.example");
    // Someone who learnt (or guessed) the id of a message that is on its way sends theirs first.
    const squat = await buildMessage({ from: "mallory@evil.example", to: mailbox("acme"), messageId, text: "squatting" });
    await deliverOk(squat, { from: "mallory@evil.example", to: mailbox("acme") });
    const real = await buildMessage({ from: "hank@contoso.example", to: mailbox("acme"), messageId, text: "The real message." });
    await deliverOk(real, { from: "hank@contoso.example", to: mailbox("acme") });
    // Same sender, same id, another body (a client that reuses ids): also a message of its own.
    const edited = await buildMessage({ from: "hank@contoso.example", to: mailbox("acme"), messageId, text: "The real message, edited." });
    await deliverOk(edited, { from: "hank@contoso.example", to: mailbox("acme") });
    // The real message retried after a lost 250 (fresh Received/Date headers, same sender and body) is a duplicate.
    const retried = Buffer.from(`Received: from retry.contoso.example by mx; ${new Date().toUTCString()}\r\n${real.toString("latin1")}`, "latin1");
    await deliverOk(retried, { from: "hank@contoso.example", to: mailbox("acme") });
    const stored = await db().message.findMany({ where: { tenantId: acme.id, messageIdHeader: messageId }, orderBy: { createdAt: "asc" } });
    expect(stored.map((m) => m.textBody?.trim()).sort()).toEqual(["The real message, edited.", "The real message.", "squatting"]);
    expect((await activityFor(acme.id, messageId)).map((r) => r.outcome).sort()).toEqual(["DELIVERED", "DELIVERED", "DELIVERED", "DUPLICATE"]);
  });

  it("R-IN-8, R-IN-9: the seed's mail loop dies — an out-of-office mailbox gets one acknowledgement, then nothing more and no further ticket", async () => {
    const sender = "helpdesk-ooo@loop.example";
    const first = uniqueId("loop.example");
    await deliverOk(await buildMessage({ from: sender, to: mailbox("acme"), messageId: first, subject: "VPN down" }), {
      from: sender,
      to: mailbox("acme"),
    });
    const ticket = (await messageByHeader(acme.id, first))!.ticket;
    const acks = () => db().message.findMany({ where: { tenantId: acme.id, kind: "AUTO_ACK", ticket: { requester: { email: sender } } }, include: { source: true } });
    const ticketsFromSender = () => db().ticket.count({ where: { tenantId: acme.id, requester: { email: sender } } });
    const [ack] = await acks();
    expect(ack).toMatchObject({ direction: "OUTBOUND", deliveryState: "QUEUED", ticketId: ticket.id });
    const ackMail = await simpleParser(Buffer.from(ack!.source!.raw));
    expect(ackMail.headers.get("auto-submitted")).toBe("auto-replied");
    expect(ackMail.headers.get("x-auto-response-suppress")).toBe("All");
    expect(ackMail.headers.get("precedence")).toBe("auto_reply");
    const replyTo = ackMail.replyTo!.value[0]!.address!;
    expect(replyTo).toBe(replyAddress(TEST_APP_SECRET, { slug: "acme", ticketId: ticket.id }, TEST_INBOUND_DOMAIN));
    const job = await db().outboundJob.findFirstOrThrow({ where: { messageId: ack!.id } });
    expect(JSON.parse(job.recipients)).toEqual([sender]);

    // The mailbox answers everything it receives, forever: an Exchange-style OOO to the ack's Reply-To, and a
    // crude responder (subject marker only, no threading headers) to the gateway mailbox the ack came from.
    for (let round = 0; round < 3; round++) {
      const ooo = uniqueId("loop.example");
      await deliverOk(
        await buildMessage({
          from: sender,
          to: replyTo,
          messageId: ooo,
          subject: `Automatic reply: ${ackMail.subject}`,
          inReplyTo: ackMail.messageId!.replace(/^<|>$/g, ""),
          text: "I am out of the office until Monday.",
          headers: { "Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All" },
        }),
        { from: sender, to: replyTo },
      );
      expect((await messageByHeader(acme.id, ooo))).toMatchObject({ kind: "AUTOMATIC", ticketId: ticket.id });
      const crude = uniqueId("loop.example");
      await deliverOk(
        await buildMessage({ from: sender, to: ackMail.from!.value[0]!.address!, messageId: crude, subject: "Out of Office: VPN down" }),
        { from: sender, to: ackMail.from!.value[0]!.address! },
      );
      expect(await messageByHeader(acme.id, crude)).toBeNull();
      expect((await activityFor(acme.id, crude))[0]).toMatchObject({ outcome: "DROPPED" });
    }
    expect(await ticketsFromSender()).toBe(1);
    expect(await acks()).toHaveLength(1);
    expect(await db().outboundJob.count({ where: { tenantId: acme.id, recipients: { contains: sender } } })).toBe(1);
  });

  it("R-IN-9: acknowledgements go only to human senders, at most autoAckPerSenderHour per sender", async () => {
    const human = "ivy@ratelimit.example";
    for (let i = 0; i < 4; i++) {
      await deliverOk(await buildMessage({ from: human, to: mailbox("acme"), messageId: uniqueId("ratelimit.example"), subject: `Issue ${i}` }), {
        from: human,
        to: mailbox("acme"),
      });
    }
    const ackCount = (to: string) => db().activityLog.count({ where: { tenantId: acme.id, direction: "OUTBOUND", toAddress: to } });
    expect(await db().ticket.count({ where: { tenantId: acme.id, requester: { email: human } } })).toBe(4);
    expect(await ackCount(human)).toBe(3);

    for (const from of ["no-reply@vendor.example", `support@globex.${TEST_INBOUND_DOMAIN}`]) {
      const id = uniqueId("vendor.example");
      await deliverOk(await buildMessage({ from, to: mailbox("acme"), messageId: id }), { from, to: mailbox("acme") });
      expect((await messageByHeader(acme.id, id))!.ticket).toBeTruthy();
      expect(await ackCount(from)).toBe(0);
    }
  });

  it("R-IN-9: mail from the tenant's own client-facing addresses (a user's send-as, a client's sending address) is never acknowledged", async () => {
    const userAddress = "tech-desk@own-address.example";
    const clientAddress = "help@own-address.example";
    await db().user.create({
      data: { id: uniqueId("user"), name: "Tech Desk", email: "tech@own-address.example", tenantId: acme.id, sendAsAddress: userAddress },
    });
    const client = await createClientRow(database.db, acme.id, { name: "Own Address Client" });
    await db().client.update({ where: { id: client.id }, data: { sendingAddress: clientAddress } });
    // The same local part at another tenant's user must not count for acme.
    await db().user.create({
      data: { id: uniqueId("user"), name: "Elsewhere", email: "x@elsewhere.example", tenantId: globex.id, sendAsAddress: "other@own-address.example" },
    });

    const acked = async (from: string) => {
      const id = uniqueId("own-address.example");
      await deliverOk(await buildMessage({ from, to: mailbox("acme"), messageId: id, subject: "Forwarded by the mailbox" }), { from, to: mailbox("acme") });
      expect((await messageByHeader(acme.id, id))!.ticket).toBeTruthy();
      const activity = await activityFor(acme.id, id);
      return { reason: activity[0]!.reason, acks: await db().activityLog.count({ where: { tenantId: acme.id, direction: "OUTBOUND", toAddress: from } }) };
    };
    for (const own of [userAddress, clientAddress]) {
      const { reason, acks } = await acked(own);
      expect(reason).toContain("no auto-acknowledgement (own address)");
      expect(acks).toBe(0);
    }
    const other = await acked("other@own-address.example");
    expect(other.reason).toContain("auto-acknowledgement queued");
    expect(other.acks).toBe(1);
  });

  it("R-IN-8: auto-replies and null-sender mail never open a ticket; list mail opens one marked Automated, never acknowledged", async () => {
    const vacation = readFileSync(path.join(fixtures, "autoreplies/sisimai/rfc3834-01.eml"), "latin1").replace(/\r?\n/g, "\r\n");
    await deliverOk(Buffer.from(vacation, "latin1"), { from: "", to: mailbox("acme") });
    const parsed = await simpleParser(Buffer.from(vacation, "latin1"));
    const vacationId = parsed.messageId!.replace(/^<|>$/g, "");
    expect(await messageByHeader(acme.id, vacationId)).toBeNull();
    expect((await activityFor(acme.id, vacationId))[0]).toMatchObject({ outcome: "DROPPED", envelopeFrom: "<>" });

    const list = uniqueId("vendor.example");
    await deliverOk(await buildMessage({ from: "news@vendor.example", to: mailbox("acme"), messageId: list, headers: { "List-Id": "<news.vendor.example>" } }), {
      from: "news@vendor.example",
      to: mailbox("acme"),
    });
    const stored = await messageByHeader(acme.id, list);
    expect(stored).toMatchObject({ kind: "AUTOMATED" });
    expect(stored!.ticket).toMatchObject({ automated: true, status: "OPEN" });
    const row = (await activityFor(acme.id, list))[0]!;
    expect(row).toMatchObject({ outcome: "DELIVERED" });
    expect(row.reason).toMatch(/automated \(list\); no auto-acknowledgement \(automated \(list\)\)/);
    expect(await db().activityLog.count({ where: { tenantId: acme.id, direction: "OUTBOUND", toAddress: "news@vendor.example" } })).toBe(0);
  });

  it("R-IN-8, R-OUT-4: a DSN to an acknowledgement's bounce address marks that outbound message bounced", async () => {
    const sender = "jack@bounces.example";
    const first = uniqueId("bounces.example");
    await deliverOk(await buildMessage({ from: sender, to: mailbox("acme"), messageId: first }), { from: sender, to: mailbox("acme") });
    const ticket = (await messageByHeader(acme.id, first))!.ticket;
    const ack = await db().message.findFirstOrThrow({ where: { ticketId: ticket.id, kind: "AUTO_ACK" } });
    expect(ack.envelopeFrom).toMatch(new RegExp(`^bounce-${ack.id}-[a-z2-7]{16}@acme\\.`));
    const dsn = buildDsn({
      to: ack.envelopeFrom!,
      reportingMta: "mx.bounces.example",
      finalRecipient: sender,
      status: "5.1.1",
      diagnostic: "550 5.1.1 <jack@bounces.example>: Recipient address rejected: User unknown",
    });
    await deliverOk(dsn, { from: "", to: ack.envelopeFrom! });
    const after = await db().message.findUniqueOrThrow({ where: { id: ack.id } });
    expect(after.deliveryState).toBe("BOUNCED");
    expect(after.deliveryDetail).toMatch(/5\.1\.1/);
    expect((await db().outboundJob.findFirstOrThrow({ where: { messageId: ack.id } })).state).toBe("BOUNCED");
    // A DSN never opens a ticket.
    expect(await db().ticket.count({ where: { tenantId: acme.id, requester: { email: { startsWith: "mailer-daemon" } } } })).toBe(0);
  });

  it("R-X-1, R-STS-3: mail to the DMARC and TLS report mailboxes is accepted and logged as a report", async () => {
    for (const to of [dmarcReportAddress("acme", TEST_INBOUND_DOMAIN), tlsReportAddress("acme", TEST_INBOUND_DOMAIN)]) {
      const id = uniqueId("google.example");
      await deliverOk(await buildMessage({ from: "noreply-dmarc-support@google.example", to, messageId: id, subject: "Report domain: acme" }), {
        from: "noreply-dmarc-support@google.example",
        to,
      });
      const rows = await activityFor(acme.id, id);
      // A DMARC-report mail without a report in it is logged as such (test/mta/dmarc-report.test.ts has real reports);
      // a TLS-report message without a report is kept as an unreadable report (test/mta/tls-report-mail.test.ts).
      if (to.startsWith("dmarc-reports@")) {
        expect(rows).toEqual([expect.objectContaining({ outcome: "DROPPED", reason: expect.stringMatching(/carries no report/) as unknown })]);
      } else {
        expect(rows).toEqual([expect.objectContaining({ outcome: "DELIVERED" })]);
        expect(rows[0]!.reason).toMatch(/^TLS report unreadable: /);
      }
      expect(await messageByHeader(acme.id, id)).toBeNull();
    }
  });

  it("R-IN-11: malformed MIME, bad charsets, missing or multiple From and 8-bit headers make a ticket or a logged drop, never a 4xx/5xx", async () => {
    const files = [
      "mime/stalwart-mail-parser/malformed-001.eml",
      "mime/stalwart-mail-parser/malformed-016.eml",
      "mime/flanker/missing-final-boundary.eml",
      "mime/flanker/mailformed-headers.eml",
      "mime/flanker/8bitmime.eml",
      "mime/mikel-mail/rfc6532-utf8_headers.eml",
      "mime/mikel-mail/multi_charset-ks_c_5601-1987.eml",
      "mime/mikel-mail/error_emails-bad_encoded_subject.eml",
    ];
    for (const file of files) {
      const before = await db().activityLog.count({ where: { tenantId: globex.id, direction: "INBOUND" } });
      const raw = Buffer.from(readFileSync(path.join(fixtures, file)).toString("latin1").replace(/\r?\n/g, "\r\n"), "latin1");
      const result = await deliver(raw, { from: "sender@mime.example", to: mailbox("globex") });
      expect(result.final?.code, file).toBe(250);
      expect(await db().activityLog.count({ where: { tenantId: globex.id, direction: "INBOUND" } }), file).toBe(before + 1);
    }
    const noFrom = uniqueId("mime.example");
    const headerless = Buffer.from(`To: ${mailbox("globex")}\r\nMessage-ID: <${noFrom}>\r\nSubject: no from\r\n\r\nbody\r\n`);
    await deliverOk(headerless, { from: "sender@mime.example", to: mailbox("globex") });
    const twoFroms = uniqueId("mime.example");
    const doubled = Buffer.from(`From: a@mime.example, b@mime.example\r\nTo: ${mailbox("globex")}\r\nMessage-ID: <${twoFroms}>\r\nSubject: two froms\r\n\r\nbody\r\n`);
    await deliverOk(doubled, { from: "a@mime.example", to: mailbox("globex") });
    expect((await messageByHeader(globex.id, noFrom))!.fromAddress).toBe("sender@mime.example");
    expect((await messageByHeader(globex.id, twoFroms))!.fromAddress).toBe("a@mime.example");
  });
});
