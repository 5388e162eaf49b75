/**
 * Fault: outbound mail across crashes (R-OUT-3, R-OUT-4; issue 9 §1 "restart the web process while outbound mail
 * is queued: nothing is sent twice or dropped"). The real product processes: a web-only node (`scripts/start.ts
 * --web-only`: `next start` on the production build) and an MTA node (`scripts/mta.ts`, what `--mta-only` runs, whose
 * outbound worker delivers the queue) with OUTBOUND_RELAY pointed at a test receiving MTA that records every
 * Message-Id it answers 250 to.
 *
 * 1. A technician's client sends replies on several tickets through the web node's tRPC endpoint; a third of the way
 *    in, the web node (start.ts and the Next server) is killed with SIGKILL and started again. Requests whose answer
 *    was lost are simply sent again with the same idempotency key (test/support/reply-load.ts, as the composer
 *    does), so each reply is stored once; the MTA delivers every stored reply exactly once. Sending replies told
 *    before the kill again with their keys, through the restarted node, answers with the stored replies.
 * 2. The MTA killed while deliveries are in flight: test/faults/outbound-mta-kill.test.ts (five at once, lost=0,
 *    duplicates counted).
 * 3. A delivery is held at RCPT while the MTA process is frozen (SIGSTOP, a stalled VM or a long GC pause) for
 *    longer than its lease: when it thaws, the same worker claims the job again. Each claim round holds its jobs
 *    under its own name, so the first delivery is refused at its end-of-data mark and only the second one sends the
 *    message.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../server/users/create-user";
import { createTestDatabase, testProviders, WEB_PROCESS_DB_OPTIONS, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { startMta, type MtaProcess } from "../support/mta";
import { seedSendingTenant, waitUntil, type SendingTenant } from "../support/outbound-data";
import { sendRepliesWithRetries, type ReplyJob } from "../support/reply-load";
import { messageIdOf, startSmtpReceiver, type SmtpReceiver } from "../support/smtp-receiver";
import { signInOverHttp, startWeb, type WebProcess, type WebSession } from "../support/web";
import { countOutbound, outboundSummaryLine, stablePort } from "./support";

const REPLIES = Number(process.env.FAULT_REPLIES ?? 60);
const TICKETS = 6;
const PASSWORD = "technician password 1";
const CONTACTS = Array.from({ length: TICKETS }, (_, i) => `contact${i}@client.fault.example`);

describe.each(testProviders())("fault: outbound mail across web and MTA crashes on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let receiver: SmtpReceiver;
  let dataDir: string;
  let webPort: number;
  let tenant: SendingTenant;
  let ticketIds: string[];
  let session: WebSession;
  const webs: WebProcess[] = [];
  const mtas: MtaProcess[] = [];
  // Held in an object: the tests replace the running processes.
  const current: { web: WebProcess | null; mta: MtaProcess | null } = { web: null, mta: null };

  const startWebNode = async () => {
    const web = await startWeb({ databaseUrl: database.url, port: webPort, dataDir });
    webs.push(web);
    current.web = web;
    return web;
  };
  // Deliveries in flight at once per MTA node.
  let outboundConcurrency = 4;
  const startMtaNode = async () => {
    const mta = await startMta({
      databaseUrl: database.url,
      dnsServers: dns.address,
      env: {
        OUTBOUND_RELAY: receiver.address,
        OUTBOUND_CONCURRENCY: String(outboundConcurrency),
        // A killed worker's jobs come back after 10 s (renewed every ~3 s while a delivery runs).
        OUTBOUND_LEASE_SECONDS: "10",
        OUTBOUND_RETRY_SCHEDULE: "1,2,5",
      },
    });
    mtas.push(mta);
    current.mta = mta;
    return mta;
  };
  const receivedIds = () => receiver.messages.map(messageIdOf).filter((id): id is string => id !== null);
  const jobsFor = (tag: string, count: number): ReplyJob[] => {
    const run = randomBytes(3).toString("hex");
    return Array.from({ length: count }, (_, i) => ({
      token: `${tag}-${run}-${i}`,
      ticketId: ticketIds[i % TICKETS]!,
      to: CONTACTS[i % TICKETS]!,
      baseUrl: current.web!.url,
      idempotencyKey: `${tag}-${run}-${i}-${randomBytes(8).toString("hex")}`,
    }));
  };
  /** Every stored reply of `tokens` accepted by the receiver, and every job finished in the database. */
  const waitForDelivery = (tokens: string[]) => {
    // What is still missing, kept from the last probe so a timeout says which message and in which job state.
    let missing = "";
    return waitUntil(
      "every stored reply delivered",
      async () => {
        const summary = await countOutbound(database.db, {
          tenantId: tenant.tenantId,
          tokens,
          accepted: new Set(),
          receivedIds: receivedIds(),
        });
        const received = new Set(receivedIds());
        const notReceived = [...summary.messageIds.values()].flat().filter((id) => !received.has(id));
        const jobs = await database.db.outboundJob.findMany({
          where: {
            tenantId: tenant.tenantId,
            OR: [{ state: { not: "DELIVERED" } }, { message: { messageIdHeader: { in: notReceived } } }],
          },
          select: {
            state: true,
            attempts: true,
            lockedBy: true,
            lockedUntil: true,
            dataSentAt: true,
            lastReply: true,
            message: { select: { messageIdHeader: true } },
          },
        });
        missing = `not received: ${JSON.stringify(notReceived)}\njobs: ${JSON.stringify(jobs, null, 1)}`;
        return summary.lost === 0 && !jobs.some((j) => j.state !== "DELIVERED");
      },
      { timeoutMs: 180_000, context: () => `${missing}\n${current.mta?.output().slice(-3000) ?? ""}` },
    );
  };

  beforeAll(async () => {
    [database, dns, receiver] = await Promise.all([
      createTestDatabase(provider, WEB_PROCESS_DB_OPTIONS),
      startDnsServer(),
      startSmtpReceiver(),
    ]);
    tenant = await seedSendingTenant(database.db, dns, {
      slug: "outfault",
      domain: "outfault-msp.example",
      clientDomain: "client.fault.example",
      contacts: CONTACTS,
    });
    await createUser(database.db, tenant.tenantId, {
      name: "Tom Tech",
      email: "tom@outfault.test",
      role: "TECHNICIAN",
      password: PASSWORD,
    });
    ticketIds = [];
    for (let i = 0; i < TICKETS; i++) {
      const contact = await database.db.contact.findFirstOrThrow({
        where: { tenantId: tenant.tenantId, email: CONTACTS[i]! },
      });
      const ticket = await database.db.ticket.create({
        data: {
          tenantId: tenant.tenantId,
          number: i + 1,
          subject: `Printer ${i} jams`,
          clientId: tenant.clientId,
          requesterId: contact.id,
        },
      });
      ticketIds.push(ticket.id);
    }
    dataDir = mkdtempSync(path.join(tmpdir(), "opsmerge-fault-outbound-"));
    webPort = await stablePort();
    await Promise.all([startWebNode(), startMtaNode()]);
    session = await signInOverHttp(current.web!.url, "tom@outfault.test", PASSWORD);
  }, 600_000);

  afterAll(async () => {
    await Promise.all([...webs.map((w) => w.stop()), ...mtas.map((m) => m.stop())]);
    await Promise.all([receiver?.close(), dns?.close()]);
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("a web-only node is healthy for a load balancer: the MTA is reported as not on this node", async () => {
    const res = await fetch(`${current.web!.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "ok",
      database: { ok: true, provider },
      mta: { ok: true, onThisNode: false, detail: expect.stringMatching(/^not on this node/) as unknown },
    });
  });

  it(
    "R-OUT-3: kill -9 the web node while replies are being queued: each reply stored once and delivered once",
    { timeout: 600_000 },
    async () => {
      const jobs = jobsFor("web", REPLIES);
      const fault: { restart: Promise<void> | null } = { restart: null };
      let downtimeMs = 0;
      const report = await sendRepliesWithRetries({
        session,
        jobs,
        concurrency: 4,
        deadlineMs: 300_000,
        onTold: (count) => {
          if (count !== Math.floor(REPLIES / 3) || fault.restart) return;
          // Mid-stream: the other clients' requests are being served right now.
          fault.restart = (async () => {
            const t0 = performance.now();
            await current.web!.kill("SIGKILL");
            await new Promise((r) => setTimeout(r, 1_000));
            await startWebNode();
            downtimeMs = Math.round(performance.now() - t0);
          })();
        },
      });
      await fault.restart;
      expect(fault.restart, "the kill happened").not.toBeNull();
      const tokens = jobs.map((j) => j.token);
      await waitForDelivery(tokens);
      const accepted = report.told;
      const summary = await countOutbound(database.db, {
        tenantId: tenant.tenantId,
        tokens,
        accepted,
        receivedIds: receivedIds(),
      });
      console.log(
        outboundSummaryLine(
          "web-kill-9",
          provider,
          summary,
          `told=${report.told.size} replayed-after-lost-answer=${report.replayed.size} lost-answers=${report.lostAnswers}` +
            ` retries=${report.retries} requests=${report.attempts} downtime=${downtimeMs} ms ${report.elapsedMs} ms`,
        ),
      );

      expect(report.lostAnswers, "the kill was felt by the client").toBeGreaterThan(0);
      expect([...report.refused.values()], "no request refused").toEqual([]);
      expect([...report.pending], "every reply sent").toEqual([]);
      expect(summary.accepted).toBe(REPLIES);
      expect(summary.stored).toBe(REPLIES);
      expect(summary.storedTwice).toBe(0);
      expect(summary.deliveredTwice).toBe(0);
      expect(summary.duplicates).toBe(0);
      expect(summary.lost).toBe(0);

      // A client that retries replies it was told about before the kill (as after a lost answer), through the
      // restarted node: each is answered with the stored reply, and nothing more is queued.
      const early = jobs.slice(0, 5);
      const again = await sendRepliesWithRetries({ session, jobs: early, concurrency: 5, deadlineMs: 60_000 });
      expect([...again.refused.values(), ...again.pending]).toEqual([]);
      expect([...again.replayed].sort()).toEqual(early.map((j) => j.token).sort());
      const after = await countOutbound(database.db, {
        tenantId: tenant.tenantId,
        tokens,
        accepted,
        receivedIds: receivedIds(),
      });
      expect(after).toMatchObject({ stored: REPLIES, storedTwice: 0 });
      expect(
        await database.db.outboundJob.count({ where: { tenantId: tenant.tenantId, state: { not: "DELIVERED" } } }),
      ).toBe(0);
    },
  );

  it(
    "R-OUT-3: a worker frozen past its lease claims its own job again; the message still goes out once",
    { timeout: 300_000 },
    async () => {
      // The thawed worker must have a free delivery slot to claim its own job again while the first try hangs.
      outboundConcurrency = 4;
      await current.mta!.stop();
      const mta = await startMtaNode();
      let rcpts = 0;
      let release: () => void = () => undefined;
      const held = new Promise<void>((r) => (release = r));
      receiver.rules = {
        rcpt: async () => {
          rcpts++;
          await held;
          return null;
        },
      };
      const attemptsBefore = receiver.attempts.length;
      const [job] = jobsFor("lapse", 1);
      const report = await sendRepliesWithRetries({ session, jobs: [job!], concurrency: 1, deadlineMs: 120_000 });
      expect(report.told.size).toBe(1);
      await waitUntil("the first delivery at RCPT", () => Promise.resolve(rcpts >= 1), { timeoutMs: 60_000 });
      // Frozen for longer than the 10 s lease: no renewals, the claim runs out.
      process.kill(mta.pid, "SIGSTOP");
      await new Promise((r) => setTimeout(r, 13_000));
      process.kill(mta.pid, "SIGCONT");
      await waitUntil("the job claimed again by the thawed worker", () => Promise.resolve(rcpts >= 2), {
        timeoutMs: 60_000,
        context: () => mta.output().slice(-3000),
      });
      release();
      await waitForDelivery([job!.token]);
      receiver.rules = {};
      const summary = await countOutbound(database.db, {
        tenantId: tenant.tenantId,
        tokens: [job!.token],
        accepted: report.told,
        receivedIds: receivedIds(),
      });
      const id = summary.messageIds.get(job!.token)![0]!;
      const dots = receiver.attempts.slice(attemptsBefore).filter((m) => messageIdOf(m) === id).length;
      const attempts = (await database.db.outboundJob.findFirstOrThrow({ where: { message: { messageIdHeader: id } } }))
        .attempts;
      console.log(
        outboundSummaryLine(
          "lease-lapse",
          provider,
          summary,
          `claims=${attempts} rcpt-sessions=${rcpts} end-of-data=${dots}`,
        ),
      );
      expect(attempts).toBe(2);
      expect(dots).toBe(1);
      expect(summary.deliveredTwice).toBe(0);
      expect(summary.duplicates).toBe(0);
      expect(summary.lost).toBe(0);
    },
  );
});
