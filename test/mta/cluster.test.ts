/**
 * Issue 15 item 7, every core (R-IN-10, R-IN-9, R-OUT-3, R-DOM-3, R-ACT-2) on every provider of testProviders():
 * the real MTA with SMTP_WORKERS=2 (Haraka's cluster mode: a primary and two SMTP workers on one port).
 * - parallel SMTP sessions on the one port all end as committed tickets;
 * - the periodic jobs (sending-domain re-check, activity purge) run in one process only, the primary;
 * - every worker runs an outbound worker, and each acknowledgement reaches the receiving MTA exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantMailbox } from "../../server/mail/addresses";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { sendMail, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { seedSendingTenant, waitUntil, type SendingTenant } from "../support/outbound-data";
import { messageIdOf, startSmtpReceiver, type SmtpReceiver } from "../support/smtp-receiver";
import { buildMessage, uniqueId } from "./helpers";

const CLIENT = "client.example";
const MAILS = 16;
const SESSIONS = 8;

/** The pids named by lines matching `pattern` (its first group). */
const pidsIn = (output: string, pattern: RegExp) => [...output.matchAll(pattern)].map((m) => Number(m[1]));

describe.each(testProviders())("MTA in cluster mode (SMTP_WORKERS=2) on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let receiver: SmtpReceiver;
  let mta: MtaProcess;
  let acme: SendingTenant;
  const db = () => database.db;
  const context = () => mta.output().slice(-4000);
  /** Where the output stood once every process was up. */
  let upAt = 0;

  beforeAll(async () => {
    [database, dns, receiver] = await Promise.all([createTestDatabase(provider), startDnsServer(), startSmtpReceiver()]);
    // The senders authenticate (SPF pass from 127.0.0.1), so every new ticket is acknowledged (R-IN-9). Published
    // before any mail: the MTA caches DNS answers.
    dns.set(CLIENT, [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }]);
    acme = await seedSendingTenant(database.db, dns, { slug: "acme", domain: "acme-msp.example", clientDomain: CLIENT, contacts: [] });
    await database.db.tenant.update({ where: { id: acme.tenantId }, data: { autoAckEnabled: true } });
    mta = await startMta({
      databaseUrl: database.url,
      dnsServers: dns.address,
      startTimeoutMs: 120_000,
      env: {
        SMTP_WORKERS: "2",
        LOG_LEVEL: "info",
        PERIODIC_JOB_SECONDS: "0.5",
        OUTBOUND_RELAY: receiver.address,
        OUTBOUND_CONCURRENCY: "2",
        SMTP_MAX_CONNECTIONS_PER_IP: "100",
      },
    });
    // startMta returns once both workers listen; each starts its outbound worker just before.
    await waitUntil("both outbound workers started", () => Promise.resolve(pidsIn(mta.output(), /outbound worker [^:\s]+:(\d+):/g).length === 2), { timeoutMs: 60_000, context });
    upAt = mta.output().length;
  }, 240_000);

  afterAll(async () => {
    await mta?.stop();
    await Promise.all([receiver?.close(), dns?.close()]);
    await database?.drop();
  });

  it("R-IN-10 R-IN-9 R-OUT-3 parallel sessions on one port become tickets; each acknowledgement is delivered exactly once", async () => {
    const mailbox = tenantMailbox(acme.slug, TEST_INBOUND_DOMAIN);
    const ids = Array.from({ length: MAILS }, () => uniqueId(CLIENT));
    const send = async (i: number) => {
      const from = `user${i}@${CLIENT}`;
      const raw = await buildMessage({ from, to: mailbox, messageId: ids[i]!, subject: `Cluster ${i}` });
      const sent = await sendMail(mta, { from, to: [mailbox], data: raw });
      expect(sent.final?.code, context()).toBe(250);
    };
    // SESSIONS sessions at once, each sending its share one after another.
    await Promise.all(
      Array.from({ length: SESSIONS }, async (_, s) => {
        for (let i = s; i < MAILS; i += SESSIONS) await send(i);
      }),
    );
    const tickets = await db().ticket.findMany({ where: { tenantId: acme.tenantId } });
    expect(tickets).toHaveLength(MAILS);
    expect(await db().message.count({ where: { tenantId: acme.tenantId, messageIdHeader: { in: ids } } })).toBe(MAILS);

    const acks = await waitUntil(
      "every acknowledgement delivered",
      async () => {
        const rows = await db().message.findMany({ where: { tenantId: acme.tenantId, kind: "AUTO_ACK" } });
        return rows.length === MAILS && rows.every((m) => m.deliveryState === "DELIVERED") ? rows : null;
      },
      { timeoutMs: 90_000, context },
    );
    for (const ack of acks) expect(receiver.attempts.filter((m) => messageIdOf(m) === ack.messageIdHeader), ack.messageIdHeader).toHaveLength(1);
    const jobs = await db().outboundJob.findMany({ where: { messageId: { in: acks.map((a) => a.id) } } });
    expect(jobs.map((j) => [j.state, j.attempts])).toEqual(jobs.map(() => ["DELIVERED", 1]));
    expect(await db().activityLog.count({ where: { messageId: { in: acks.map((a) => a.id) }, outcome: "DELIVERED" } })).toBe(MAILS);
    // Deliveries name their claim (`<host>:<pid>:…`): only worker processes delivered, never the primary.
    const deliverers = new Set(pidsIn(mta.output(), /job \S+ DELIVERED[^\n]* by [^:\s]+:(\d+):/g));
    expect(deliverers.size).toBeGreaterThan(0);
    expect(deliverers.has(mta.pid)).toBe(false);
  });

  it("R-DOM-3 R-ACT-2 the periodic jobs run in one process only: the primary", async () => {
    // Positive signal first: several runs of each job since every process was up (a worker running them would
    // have run them by then too).
    await waitUntil("three runs of each periodic job", () => {
      const out = mta.output().slice(upAt);
      return Promise.resolve(pidsIn(out, /sending-domain re-check ran in process (\d+)/g).length >= 3 && pidsIn(out, /activity purge ran in process (\d+)/g).length >= 3);
    }, { context });
    const out = mta.output();
    const runners = new Set([...pidsIn(out, /sending-domain re-check ran in process (\d+)/g), ...pidsIn(out, /activity purge ran in process (\d+)/g)]);
    expect([...runners]).toEqual([mta.pid]);
    // …and the two outbound workers are two other processes.
    const outboundPids = new Set(pidsIn(out, /outbound worker [^:\s]+:(\d+):/g));
    expect(outboundPids.size).toBe(2);
    expect(outboundPids.has(mta.pid)).toBe(false);
  });
});
