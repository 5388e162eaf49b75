/**
 * Issue 4, delivery mechanics over real sockets (R-OUT-3, R-OUT-4) on every provider of testProviders():
 * - MX delivery through the configurable resolver (the test DNS server answers MX, the port is OUTBOUND_SMTP_PORT),
 *   falling back to the next MX, implicit MX, null MX and non-existent domains bounced;
 * - two MTA processes on one database deliver a burst of jobs, each exactly once;
 * - an MTA killed (SIGKILL) after the end of DATA went out: the other node takes the job over when the lease runs out
 *   and sends it again (a possible duplicate, never a loss: RFC 1047);
 * - SIGTERM: a delivery past the end of DATA is finished and recorded, one not yet there is given back untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { queueReply } from "../../server/outbound";
import { createTestDatabase, testProviders, WEB_PROCESS_DB_OPTIONS, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { startMta, TEST_APP_SECRET, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { seedSendingTenant, waitUntil, type SendingTenant } from "../support/outbound-data";
import { messageIdOf, startSmtpReceiver, type ReceivedMail, type SmtpReceiver } from "../support/smtp-receiver";

/** The message whose own Message-ID is `id` (a later reply's References name earlier ones too). */
const byMessageId = (id: string) => (m: ReceivedMail) => messageIdOf(m) === id;

/** A tenant with a verified sending domain and one ticket to reply on. */
async function seed(db: Db, dns: TestDnsServer) {
  const acme = await seedSendingTenant(db, dns, { slug: "acme", domain: "acme-msp.example", clientDomain: "client.example", contacts: ["jane@client.example"] });
  const contact = await db.contact.findFirstOrThrow({ where: { tenantId: acme.tenantId, email: "jane@client.example" } });
  const ticket = await db.ticket.create({
    data: { tenantId: acme.tenantId, number: 1, subject: "Server room too warm", clientId: acme.clientId, requesterId: contact.id },
  });
  return { acme, ticketId: ticket.id };
}

function replier(db: () => Db, ctx: () => { acme: SendingTenant; ticketId: string }) {
  return (to: string[], cc: string[] = [], subject?: string) =>
    queueReply(db(), {
      tenantId: ctx().acme.tenantId,
      ticketId: ctx().ticketId,
      authorId: ctx().acme.userId,
      to,
      cc,
      ...(subject ? { subject } : {}),
      bodyText: "Here is an update.\n",
      secret: TEST_APP_SECRET,
      inboundDomain: TEST_INBOUND_DOMAIN,
    });
}

const activityOf = (db: Db, messageId: string) => db.activityLog.findMany({ where: { messageId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });

describe.each(testProviders())("outbound MX delivery on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let receiver: SmtpReceiver;
  let mta: MtaProcess;
  let seeded: Awaited<ReturnType<typeof seed>>;
  const db = () => database.db;
  const reply = replier(db, () => seeded);

  beforeAll(async () => {
    [database, dns, receiver] = await Promise.all([createTestDatabase(provider, WEB_PROCESS_DB_OPTIONS), startDnsServer(), startSmtpReceiver()]);
    seeded = await seed(database.db, dns);
    // client.example: the preferred MX has nothing listening (127.0.0.2), the next one is the receiver.
    dns.set("client.example", [
      { type: "MX", exchange: "mx1.client.example", priority: 5 },
      { type: "MX", exchange: "mx2.client.example", priority: 10 },
    ]);
    dns.set("mx1.client.example", [{ type: "A", address: "127.0.0.2" }]);
    dns.set("mx2.client.example", [{ type: "A", address: "127.0.0.1" }]);
    // No MX at all: the domain's own address is its mail host (RFC 5321 §5.1).
    dns.set("implicit.example", [{ type: "A", address: "127.0.0.1" }]);
    // RFC 7505 null MX: the domain accepts no mail.
    dns.set("nullmx.example", [{ type: "MX", exchange: "", priority: 0 }]);
    mta = await startMta({
      databaseUrl: database.url,
      dnsServers: dns.address,
      env: { OUTBOUND_SMTP_PORT: String(receiver.port), OUTBOUND_HELO: "gw.acme-msp.example" },
    });
  });

  afterAll(async () => {
    await mta?.stop();
    await Promise.all([receiver?.close(), dns?.close()]);
    await database?.drop();
  });

  it("R-OUT-3 R-OUT-4 MX look-up through DNS_SERVERS: next MX after a dead host, implicit MX; null MX and NXDOMAIN bounce", async () => {
    const q = await reply(["jane@client.example", "someone@implicit.example"], ["x@nullmx.example", "y@nowhere.example"]);
    // One job (one SMTP transaction) per recipient domain.
    expect(q.jobIds).toHaveLength(4);
    await waitUntil(
      "all four jobs finished",
      async () => {
        const jobs = await db().outboundJob.findMany({ where: { messageId: q.messageId } });
        return jobs.every((j) => j.state === "DELIVERED" || j.state === "BOUNCED") ? jobs : null;
      },
      { context: () => mta.output().slice(-3000) },
    );
    const got = receiver.messages.filter(byMessageId(q.messageIdHeader));
    expect(got.map((m) => m.recipients).sort()).toEqual([["jane@client.example"], ["someone@implicit.example"]]);
    expect(got.every((m) => m.secure && m.envelopeFrom === q.envelopeFrom)).toBe(true);

    const log = await activityOf(db(), q.messageId);
    const row = (to: string) => log.find((l) => l.toAddress === to && l.outcome !== "QUEUED");
    expect(row("jane@client.example")).toMatchObject({ outcome: "DELIVERED", reason: `Delivered via mx2.client.example:${receiver.port} [127.0.0.1] with STARTTLS` });
    expect(row("someone@implicit.example")).toMatchObject({ outcome: "DELIVERED", reason: `Delivered via implicit.example:${receiver.port} [127.0.0.1] with STARTTLS` });
    expect(row("x@nullmx.example")).toMatchObject({ outcome: "BOUNCED", remoteReply: "556 5.1.10 nullmx.example does not accept mail (null MX)" });
    expect(row("y@nowhere.example")).toMatchObject({ outcome: "BOUNCED", remoteReply: "550 5.1.2 Domain nowhere.example does not exist (DNS NXDOMAIN)" });
    // Any recipient refused for good makes the message BOUNCED on the ticket.
    expect((await db().message.findUniqueOrThrow({ where: { id: q.messageId } })).deliveryState).toBe("BOUNCED");
    expect(dns.queries).toEqual(expect.arrayContaining([{ name: "client.example", type: "MX" }, { name: "mx1.client.example", type: "A" }, { name: "mx2.client.example", type: "A" }]));
  });
});

describe.each(testProviders())("outbound delivery by several MTA nodes on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let receiver: SmtpReceiver;
  const nodes: Record<string, MtaProcess> = {};
  let seeded: Awaited<ReturnType<typeof seed>>;
  const db = () => database.db;
  const reply = replier(db, () => seeded);
  const outputs = () => Object.values(nodes).map((m) => m.output().slice(-1500)).join("\n----\n");
  const settled = (messageId: string, state: string) =>
    waitUntil(
      `message ${messageId} ${state}`,
      async () => {
        const m = await db().message.findUniqueOrThrow({ where: { id: messageId } });
        return m.deliveryState === state ? m : null;
      },
      { context: outputs },
    );

  beforeAll(async () => {
    [database, dns, receiver] = await Promise.all([createTestDatabase(provider, WEB_PROCESS_DB_OPTIONS), startDnsServer(), startSmtpReceiver()]);
    seeded = await seed(database.db, dns);
    const started = await Promise.all(
      ["worker-a.test", "worker-b.test"].map((helo) =>
        startMta({
          databaseUrl: database.url,
          dnsServers: dns.address,
          env: { OUTBOUND_RELAY: receiver.address, OUTBOUND_HELO: helo, OUTBOUND_LEASE_SECONDS: "5", OUTBOUND_CONCURRENCY: "3" },
        }),
      ),
    );
    nodes["worker-a.test"] = started[0]!;
    nodes["worker-b.test"] = started[1]!;
  });

  afterAll(async () => {
    await Promise.all(Object.values(nodes).map((m) => m.stop()));
    await Promise.all([receiver?.close(), dns?.close()]);
    await database?.drop();
  });

  it("R-OUT-3 two MTA processes on one database deliver every job of a burst exactly once", async () => {
    // Hold the burst back until every job is queued, then release it at once so both nodes compete for it.
    const held = new Date(Date.now() + 3_600_000);
    const queued = [];
    for (let i = 0; i < 24; i++) {
      const q = await reply([`user${i}@client.example`], [], `Burst ${i}`);
      await db().outboundJob.updateMany({ where: { messageId: q.messageId, state: "QUEUED" }, data: { nextAttemptAt: held } });
      queued.push(q);
    }
    receiver.rules = { data: () => new Promise((r) => setTimeout(() => r(null), 100)) };
    try {
      await db().outboundJob.updateMany({ where: { messageId: { in: queued.map((q) => q.messageId) }, state: "QUEUED" }, data: { nextAttemptAt: new Date() } });
      for (const q of queued) await settled(q.messageId, "DELIVERED");
    } finally {
      receiver.rules = {};
    }
    for (const q of queued) expect(receiver.attempts.filter(byMessageId(q.messageIdHeader)), q.messageIdHeader).toHaveLength(1);
    const jobs = await db().outboundJob.findMany({ where: { messageId: { in: queued.map((q) => q.messageId) } } });
    const twice = jobs.filter((j) => j.attempts !== 1).flatMap((j) => (j.messageId ? [j.messageId] : []));
    const twiceLog = twice.length ? await db().activityLog.findMany({ where: { messageId: { in: twice } } }) : [];
    expect(jobs.map((j) => [j.state, j.attempts]), `${JSON.stringify(twiceLog)}\n${outputs()}`).toEqual(jobs.map(() => ["DELIVERED", 1]));
    const delivered = await db().activityLog.count({ where: { messageId: { in: queued.map((q) => q.messageId) }, outcome: "DELIVERED" } });
    expect(delivered).toBe(24);
    // Both nodes took part (each names itself in EHLO).
    const byNode = new Set(queued.map((q) => receiver.messages.find(byMessageId(q.messageIdHeader))!.heloName));
    expect([...byNode].sort()).toEqual(["worker-a.test", "worker-b.test"]);
  });

  it("R-OUT-3 a node killed after the end of DATA: the other takes the job over when the lease runs out and sends it again (a duplicate, never a loss)", async () => {
    let answer: (() => void) | null = null;
    let held = false;
    // Only the first copy is held (and its 250 lost with the killed node); the resend is answered at once.
    receiver.rules = {
      data: (m) => {
        if (!m.raw.includes("Crash test") || held) return null;
        held = true;
        return new Promise((r) => (answer = () => r(null)));
      },
    };
    try {
      const q = await reply(["jane@client.example"], [], "Crash test");
      const inFlight = await waitUntil("the message at the receiver", () => Promise.resolve(receiver.attempts.find(byMessageId(q.messageIdHeader))), { context: outputs });
      // The dot went out only after the job recorded that the message was in flight.
      const job = await db().outboundJob.findFirstOrThrow({ where: { messageId: q.messageId } });
      expect(job).toMatchObject({ state: "SENDING", dataRecipients: '["jane@client.example"]' });
      expect(job.dataSentAt).toBeInstanceOf(Date);
      const pid = Number(job.lockedBy!.split(":")[1]);
      process.kill(pid, "SIGKILL");
      // The server accepts the message, but its 250 reaches nobody.
      answer!();
      const survivor = inFlight.heloName === "worker-a.test" ? "worker-b.test" : "worker-a.test";
      const killed = nodes[inFlight.heloName]!;
      delete nodes[inFlight.heloName];
      await killed.stop();

      const m = await settled(q.messageId, "DELIVERED");
      expect(m.deliveryDetail).toMatch(/^250 /);
      const log = await activityOf(db(), q.messageId);
      expect(log.map((l) => l.outcome)).toEqual(["QUEUED", "DELIVERED"]);
      expect(log[1]!.reason).toMatch(/^Delivered via .* \(sent again after the worker stopped at .* past the end of DATA; may arrive twice\)$/);
      const copies = receiver.attempts.filter(byMessageId(q.messageIdHeader));
      expect(copies).toHaveLength(2);
      expect(copies[1]!.heloName).toBe(survivor);
      expect(await db().outboundJob.findFirstOrThrow({ where: { messageId: q.messageId } })).toMatchObject({ state: "DELIVERED", attempts: 2, dataSentAt: null, lockedBy: null });
      expect(Object.keys(nodes)).toEqual([survivor]);
    } finally {
      receiver.rules = {};
    }
  });

  it("R-OUT-3 SIGTERM finishes a delivery past the end of DATA and gives back one that has not got there", async () => {
    const [name, node] = Object.entries(nodes)[0]!;
    let releaseRcpt: (() => void) | null = null;
    receiver.rules = {
      rcpt: (a) => (a === "slow@client.example" ? new Promise((r) => (releaseRcpt = () => r(null))) : null),
      data: (m) => (m.raw.includes("Finish me") ? new Promise((r) => setTimeout(() => r(null), 1_500)) : null),
    };
    try {
      const finish = await reply(["jane@client.example"], [], "Finish me");
      const giveBack = await reply(["slow@client.example"], [], "Give me back");
      await waitUntil("both deliveries under way", () => Promise.resolve(receiver.attempts.some(byMessageId(finish.messageIdHeader)) && releaseRcpt !== null), { context: outputs });
      delete nodes[name];
      await node.stop();
      releaseRcpt!();

      const done = await db().message.findUniqueOrThrow({ where: { id: finish.messageId } });
      expect(done.deliveryState).toBe("DELIVERED");
      expect(done.deliveryDetail).toMatch(/^250 /);
      expect(receiver.messages.filter(byMessageId(finish.messageIdHeader))).toHaveLength(1);

      const back = await db().outboundJob.findFirstOrThrow({ where: { messageId: giveBack.messageId } });
      expect(back).toMatchObject({ state: "QUEUED", attempts: 0, lockedBy: null, dataSentAt: null });
      expect((await activityOf(db(), giveBack.messageId)).map((l) => l.outcome)).toEqual(["QUEUED"]);
      expect(receiver.messages.some(byMessageId(giveBack.messageIdHeader))).toBe(false);
    } finally {
      receiver.rules = {};
    }
  });
});
