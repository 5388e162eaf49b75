import type { DNSResolver } from "mailauth";
import { dkimVerify } from "mailauth/lib/dkim/verify";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { startDnsServer, type TestDnsServer } from "../../../test/support/dns-server";
import { createDb, type Db } from "../../db/client";
import { createResolver, type Resolver } from "../../dns/resolver";
import { AppError } from "../../errors";
import { bounceAddress, replyAddress } from "../../mail/addresses";
import { addSendingDomain, recordsToPublish, setTenantDefaultFrom, verifySendingDomain } from "../../sending-domains";
import { applyDsn, backoffMs, claimOutboundJobs, parseOutboundMessageId, queueReply, recordDeliveryAttempt } from "../index";

const SECRET = "outbound-test-secret-0123456789-0123456789";
const INBOUND = "in.gw.test";
const SPF_INCLUDE = "_spf.gw.test";

async function refused(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected the call to be refused");
}

/** One reply for every recipient of the job, as a single-recipient delivery reports it. */
async function recordForAll(db: Db, a: { jobId: string; workerId?: string; kind: "delivered" | "deferred" | "bounced"; reply: string; now?: Date }) {
  const job = await db.outboundJob.findUniqueOrThrow({ where: { id: a.jobId }, select: { recipients: true } });
  return recordDeliveryAttempt(db, {
    jobId: a.jobId,
    ...(a.workerId ? { workerId: a.workerId } : {}),
    outcomes: (JSON.parse(job.recipients) as string[]).map((recipient) => ({ recipient, kind: a.kind, reply: a.reply })),
    ...(a.now ? { now: a.now } : {}),
  });
}

describe.each(testProviders())("outbound queue on %s", (provider) => {
  let t: TestDatabase;
  let second: Db;
  let dns: TestDnsServer;
  let resolver: Resolver;
  let tenantId: string;
  let userId: string;
  let ticketId: string;
  let selector: string;
  let contactId: string;

  beforeAll(async () => {
    [t, dns] = await Promise.all([createTestDatabase(provider), startDnsServer()]);
    second = createDb(t.database, { poolSize: 3 });
    resolver = createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 });
    const tenant = await t.db.tenant.create({ data: { slug: "acme", name: "Acme MSP", mtaStsPolicyId: "p1" } });
    tenantId = tenant.id;
    const domain = await addSendingDomain(t.db, { tenantId, domain: "acme-msp.example", secret: SECRET });
    selector = domain.selector;
    const r = await recordsToPublish(domain, { spfInclude: SPF_INCLUDE, dmarcRua: `dmarc-reports@acme.${INBOUND}` });
    for (const rec of [r.spf, r.dkim, r.dmarc]) dns.set(rec.host, [{ type: "TXT", data: rec.chunks }]);
    expect((await verifySendingDomain(t.db, { tenantId, id: domain.id, resolver, spfInclude: SPF_INCLUDE })).verified).toBe(true);
    await setTenantDefaultFrom(t.db, { tenantId, address: "support@acme-msp.example", name: "Acme Support" });
    userId = (await t.db.user.create({ data: { id: "tech1", name: "Tess Tech", email: "tess@acme.test", tenantId } })).id;
    const client = await t.db.client.create({ data: { tenantId, name: "Client Co" } });
    contactId = (await t.db.contact.create({ data: { tenantId, clientId: client.id, email: "jane@client.example", name: "Jane" } })).id;
    const ticket = await t.db.ticket.create({
      data: { tenantId, number: 1, subject: "Printer on fire", clientId: client.id, requesterId: contactId },
    });
    ticketId = ticket.id;
    const inbound = (n: number, refs: string | null, at: string) =>
      t.db.message.create({
        data: {
          tenantId, ticketId, direction: "INBOUND", messageIdHeader: `in${n}@client.example`, references: refs,
          fromAddress: "jane@client.example", subject: "Printer on fire", sentAt: new Date(at),
          threadTopic: "Printer on fire", threadIndex: n === 2 ? "AdkZ3vQ0AAAAAAAAAAAAAAAAAAAABBBBBB==" : null,
        },
      });
    await inbound(1, null, "2026-05-01T09:00:00Z");
    await inbound(2, "in1@client.example", "2026-05-01T09:30:00Z");
  });
  afterAll(async () => {
    await second?.$disconnect();
    await Promise.all([t?.drop(), dns?.close()]);
  });

  it("R-OUT-1 R-TKT-2 queueReply builds, signs and queues the reply in one go", async () => {
    const q = await queueReply(t.db, {
      tenantId, ticketId, authorId: userId,
      to: [{ address: "jane@client.example", name: "Jane" }], cc: ["bob@client.example"],
      bodyText: "We are on it.\n", bodyHtml: "<p>We are on it.</p>",
      attachments: [{ filename: "log.txt", contentType: "text/plain", content: Buffer.from("log") }],
      secret: SECRET, inboundDomain: INBOUND,
    });
    expect(parseOutboundMessageId(SECRET, q.messageIdHeader)).toEqual({ slug: "acme", ticketId, messageId: q.messageId });
    expect(q.envelopeFrom).toBe(bounceAddress(SECRET, { slug: "acme", messageId: q.messageId }, INBOUND));

    const msg = await t.db.message.findUniqueOrThrow({ where: { id: q.messageId }, include: { source: true, attachments: true, outboundJobs: true } });
    expect(msg).toMatchObject({ direction: "OUTBOUND", kind: "REPLY", deliveryState: "QUEUED", subject: "Re: Printer on fire", fromAddress: "support@acme-msp.example", authorId: userId });
    expect(msg.attachments.map((a) => a.filename)).toEqual(["log.txt"]);
    expect(msg.outboundJobs).toHaveLength(1);
    expect(msg.outboundJobs[0]).toMatchObject({ state: "QUEUED", envelopeFrom: q.envelopeFrom, recipients: '["jane@client.example","bob@client.example"]' });
    expect(Buffer.from(msg.outboundJobs[0]!.raw).equals(Buffer.from(msg.source!.raw))).toBe(true);

    const raw = Buffer.from(msg.source!.raw);
    const parsed = await simpleParser(raw);
    expect(parsed.from?.value).toEqual([{ address: "support@acme-msp.example", name: "Acme Support" }]);
    expect(parsed.replyTo?.value[0]?.address).toBe(replyAddress(SECRET, { slug: "acme", ticketId }, INBOUND));
    expect(parsed.messageId).toBe(`<${q.messageIdHeader}>`);
    expect(parsed.inReplyTo).toBe("<in2@client.example>");
    expect(parsed.references).toEqual(["<in1@client.example>", "<in2@client.example>"]);
    expect(parsed.headers.get("thread-topic")).toBe("Printer on fire");
    expect(parsed.headers.get("thread-index")).toBe("AdkZ3vQ0AAAAAAAAAAAAAAAAAAAABBBBBB==");
    const dkim = await dkimVerify(raw, { resolver: resolver as DNSResolver });
    expect(dkim.results[0]).toMatchObject({ signingDomain: "acme-msp.example", selector, status: { result: "pass" } });

    const log = await t.db.activityLog.findMany({ where: { messageId: q.messageId } });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ direction: "OUTBOUND", outcome: "QUEUED", ticketId, messageIdHeader: q.messageIdHeader, envelopeFrom: q.envelopeFrom });
  });

  it("R-OUT-2 R-OUT-5 an unverified From domain or an injected address is refused and nothing is written", async () => {
    const before = await t.db.message.count();
    await t.db.sendingDomain.create({
      data: { tenantId, domain: "unverified.example", selector: "om202605", dkimPublicKey: "x", dkimPrivateKeyEnc: "x" },
    });
    // A send-as stored before the domain stopped verifying (or written around the setter).
    await t.db.user.update({ where: { id: userId }, data: { sendAsAddress: "tess@unverified.example" } });
    const err = await refused(queueReply(t.db, { tenantId, ticketId, authorId: userId, to: ["jane@client.example"], bodyText: "x", secret: SECRET, inboundDomain: INBOUND }));
    expect(err.code).toBe("PRECONDITION");
    expect(err.message).toContain("DKIM record at om202605._domainkey.unverified.example");
    await t.db.user.update({ where: { id: userId }, data: { sendAsAddress: null } });
    const inj = await refused(
      queueReply(t.db, { tenantId, ticketId, authorId: userId, to: ["jane@client.example\r\nBcc: evil@x.example"], bodyText: "x", secret: SECRET, inboundDomain: INBOUND }),
    );
    expect([inj.code, inj.field]).toEqual(["BAD_INPUT", "to"]);
    const other = await t.db.tenant.create({ data: { slug: "other", name: "Other", mtaStsPolicyId: "p" } });
    const nf = await refused(queueReply(t.db, { tenantId: other.id, ticketId, authorId: null, to: ["a@b.example"], bodyText: "x", secret: SECRET, inboundDomain: INBOUND }));
    expect(nf.code).toBe("NOT_FOUND");
    expect(await t.db.message.count()).toBe(before);
  });

  it("R-OUT-3 concurrent workers on two connections never claim the same job", async () => {
    await t.db.outboundJob.updateMany({ data: { state: "DELIVERED" } });
    const msg = await t.db.message.findFirstOrThrow({ where: { direction: "OUTBOUND" } });
    await t.db.outboundJob.createMany({
      data: Array.from({ length: 12 }, (_, i) => ({
        tenantId, messageId: msg.id, envelopeFrom: "b@x", recipients: "[]", raw: new Uint8Array([i]), nextAttemptAt: new Date(Date.now() - 1000),
      })),
    });
    const claims = await Promise.all(
      [t.db, second, t.db, second].map((db, i) => claimOutboundJobs(db, { workerId: `w${i}`, limit: 5, leaseMs: 60_000 })),
    );
    const ids = claims.flat().map((j) => j.id);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    const rows = await t.db.outboundJob.findMany({ where: { id: { in: ids } } });
    for (const [i, claim] of claims.entries()) {
      for (const j of claim) expect(rows.find((r) => r.id === j.id)).toMatchObject({ state: "SENDING", lockedBy: `w${i}`, attempts: 1 });
    }
    expect(await claimOutboundJobs(t.db, { workerId: "late", limit: 5 })).toEqual([]);
    // A dead worker's lease runs out: the job is claimed again, and the old worker can no longer report on it.
    const later = new Date(Date.now() + 120_000);
    const reclaimed = await claimOutboundJobs(second, { workerId: "w9", limit: 1, now: later });
    expect(reclaimed[0]?.attempts).toBe(2);
    const stale = claims.findIndex((c) => c.some((j) => j.id === reclaimed[0]!.id));
    const err = await refused(recordForAll(t.db, { jobId: reclaimed[0]!.id, workerId: `w${stale}`, kind: "delivered", reply: "250 ok" }));
    expect(err.code).toBe("CONFLICT");
    await t.db.outboundJob.updateMany({ where: { id: { in: ids } }, data: { state: "DELIVERED" } });
  });

  it("R-OUT-4 queued → deferred (back-off) → delivered → DSN bounced, each in the activity log", async () => {
    const q = await queueReply(t.db, { tenantId, ticketId, authorId: userId, to: ["jane@client.example"], bodyText: "2nd", secret: SECRET, inboundDomain: INBOUND });
    const [job] = await claimOutboundJobs(t.db, { workerId: "w1", limit: 1 });
    expect(job?.id).toBe(q.jobId);
    expect(job?.raw.toString("latin1")).toMatch(/^DKIM-Signature:/);
    const t0 = new Date();
    const d = await recordForAll(t.db, { jobId: q.jobId, workerId: "w1", kind: "deferred", reply: "451 4.7.1 greylisted", now: t0 });
    expect(d.state).toBe("DEFERRED");
    expect(d.nextAttemptAt?.getTime()).toBe(t0.getTime() + backoffMs(1));
    expect(backoffMs(1)).toBe(60_000);
    expect(await claimOutboundJobs(t.db, { workerId: "w1", now: new Date(t0.getTime() + 30_000) })).toEqual([]);
    const [again] = await claimOutboundJobs(t.db, { workerId: "w2", now: new Date(t0.getTime() + 61_000) });
    expect(again).toMatchObject({ id: q.jobId, attempts: 2 });
    await recordForAll(t.db, { jobId: q.jobId, workerId: "w2", kind: "delivered", reply: "250 2.0.0 Ok: queued as ABC" });
    expect(await t.db.message.findUniqueOrThrow({ where: { id: q.messageId } })).toMatchObject({ deliveryState: "DELIVERED", deliveryDetail: "250 2.0.0 Ok: queued as ABC" });

    const dsn = await applyDsn(t.db, {
      tenantId, messageId: q.messageId,
      dsn: { status: "5.7.1", diagnosticCode: "smtp; 550 5.7.1 Message rejected as spam", finalRecipient: "rfc822; Jane@Client.example", spamScore: 7.5, permanent: true },
    });
    expect(dsn).toEqual({ deliveryState: "BOUNCED", reason: "5.7.1 smtp; 550 5.7.1 Message rejected as spam (spam score 7.5)", applied: true });
    expect(await t.db.contact.findUniqueOrThrow({ where: { id: contactId } })).toMatchObject({ emailFailing: true, lastBounceReason: dsn.reason });
    const log = await t.db.activityLog.findMany({ where: { messageId: q.messageId }, orderBy: { createdAt: "asc" } });
    expect(log.map((l) => l.outcome).sort()).toEqual(["BOUNCED", "DEFERRED", "DELIVERED", "QUEUED"]);
    expect(log.find((l) => l.outcome === "DEFERRED")).toMatchObject({ remoteReply: "451 4.7.1 greylisted", nextAttemptAt: d.nextAttemptAt });
    expect(log.find((l) => l.outcome === "DELIVERED")?.remoteReply).toBe("250 2.0.0 Ok: queued as ABC");
    expect(log.find((l) => l.outcome === "BOUNCED")).toMatchObject({ bounceDetail: dsn.reason, toAddress: "jane@client.example" });

    const other = await t.db.tenant.findUniqueOrThrow({ where: { slug: "other" } });
    const nf = await refused(applyDsn(t.db, { tenantId: other.id, messageId: q.messageId, dsn: { status: "5.1.1", permanent: true } }));
    expect(nf.code).toBe("NOT_FOUND");
  });

  it("R-IN-8 a forged DSN naming someone who was not a recipient of the message changes nothing (issue 19 item 4)", async () => {
    // Anyone who got a message from the gateway knows its VERP address; a DSN sent there naming another contact
    // must neither flag that contact nor bounce the message.
    const client = await t.db.client.findFirstOrThrow({ where: { tenantId } });
    const ceo = await t.db.contact.create({ data: { tenantId, clientId: client.id, email: "ceo@client-a.example", name: "CEO" } });
    const q = await queueReply(t.db, { tenantId, ticketId, authorId: userId, to: ["jane@client.example"], bodyText: "forged", secret: SECRET, inboundDomain: INBOUND });
    await claimOutboundJobs(t.db, { workerId: "w1", limit: 1 });
    await recordForAll(t.db, { jobId: q.jobId, workerId: "w1", kind: "delivered", reply: "250 ok" });
    const forged = await applyDsn(t.db, {
      tenantId, messageId: q.messageId,
      dsn: { status: "5.1.1", diagnosticCode: "smtp; 550 attacker's words", finalRecipient: "rfc822; ceo@client-a.example", permanent: true },
    });
    expect(forged).toMatchObject({ applied: false, deliveryState: "DELIVERED" });
    expect(await t.db.contact.findUniqueOrThrow({ where: { id: ceo.id } })).toMatchObject({ emailFailing: false, lastBounceReason: null });
    expect(await t.db.message.findUniqueOrThrow({ where: { id: q.messageId } })).toMatchObject({ deliveryState: "DELIVERED" });
    expect(await t.db.activityLog.count({ where: { messageId: q.messageId, outcome: "BOUNCED" } })).toBe(0);
    // Without a Final-Recipient there is no recipient to believe either.
    expect(await applyDsn(t.db, { tenantId, messageId: q.messageId, dsn: { status: "5.1.1", permanent: true } })).toMatchObject({ applied: false });
    // The real recipient, after delivery (the job no longer lists her), still counts.
    const real = await applyDsn(t.db, { tenantId, messageId: q.messageId, dsn: { status: "5.1.1", finalRecipient: "rfc822; jane@client.example", permanent: true } });
    expect(real).toMatchObject({ applied: true, deliveryState: "BOUNCED" });
    await t.db.contact.update({ where: { id: contactId }, data: { emailFailing: false } });
  });

  it("R-OUT-4 a 5xx bounces and marks the contact; 4xx past two days gives up", async () => {
    await t.db.contact.update({ where: { id: contactId }, data: { emailFailing: false } });
    const a = await queueReply(t.db, { tenantId, ticketId, authorId: null, to: ["jane@client.example"], bodyText: "3rd", secret: SECRET, inboundDomain: INBOUND });
    await claimOutboundJobs(t.db, { workerId: "w1", limit: 1 });
    const b = await recordForAll(t.db, { jobId: a.jobId, kind: "bounced", reply: "550 5.1.1 no such user" });
    expect(b.state).toBe("BOUNCED");
    expect(await t.db.contact.findUniqueOrThrow({ where: { id: contactId } })).toMatchObject({ emailFailing: true, lastBounceReason: "550 5.1.1 no such user" });
    expect(await t.db.message.findUniqueOrThrow({ where: { id: a.messageId } })).toMatchObject({ deliveryState: "BOUNCED" });

    const g = await queueReply(t.db, { tenantId, ticketId, authorId: null, to: ["jane@client.example"], bodyText: "4th", secret: SECRET, inboundDomain: INBOUND });
    await t.db.outboundJob.update({ where: { id: g.jobId }, data: { createdAt: new Date(Date.now() - 47.5 * 3_600_000), attempts: 9 } });
    await claimOutboundJobs(t.db, { workerId: "w1", limit: 1 });
    const gave = await recordForAll(t.db, { jobId: g.jobId, workerId: "w1", kind: "deferred", reply: "421 try later" });
    expect(gave.state).toBe("BOUNCED");
    expect(gave.reason).toMatch(/^Gave up after 10 attempts over 48 hours; last reply: 421 try later$/);
    expect(await t.db.outboundJob.findUniqueOrThrow({ where: { id: g.jobId } })).toMatchObject({ state: "BOUNCED", lockedBy: null });
  });
});
