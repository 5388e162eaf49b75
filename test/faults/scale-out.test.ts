/**
 * Scale-out on PostgreSQL (R-IN-10, R-OUT-3, issue 9 §2): two MTA processes — what `npm start -- --mta-only` runs on
 * each node, inbound SMTP plus the outbound worker, relaying to a test receiving MTA — and two web processes
 * (`npm start -- --web-only`, `next start` on the production build) against one PostgreSQL database, under
 * concurrent load:
 * - inbound from real SMTP senders that retry as MTAs do: new tickets delivered to BOTH MTA nodes at the same
 *   moment, then replies to the same tickets (by reply address and by In-Reply-To) spread over both nodes, a
 *   quarter of them delivered twice at once;
 * - at the same time technicians reply on the same tickets through BOTH web nodes' tRPC endpoints.
 * Afterwards: one ticket per conversation with gap-free numbers, every reply on its conversation's ticket, every
 * message stored once, one auto-acknowledgement per ticket, nothing lost; every outbound message (replies and
 * acknowledgements) accepted by the receiver exactly once by Message-Id, and both MTA nodes delivered some of them
 * (the queue is claimed across nodes, told apart by their HELO names).
 * PostgreSQL only: SQLite is a single-machine database, not a multi-node topology.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replyAddress, tenantMailbox } from "../../server/mail/addresses";
import { createUser } from "../../server/users/create-user";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { startMta, TEST_APP_SECRET, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { seedSendingTenant, waitUntil } from "../support/outbound-data";
import { sendRepliesWithRetries, type ReplyJob } from "../support/reply-load";
import { sendWithRetries, type OutgoingMessage, type SenderReport } from "../support/retrying-sender";
import { messageIdOf, startSmtpReceiver, type SmtpReceiver } from "../support/smtp-receiver";
import { ensureWebBuild, signInOverHttp, startWeb, type WebProcess, type WebSession } from "../support/web";
import { countOutbound, stablePort } from "./support";

const CONVERSATIONS = Number(process.env.SCALE_CONVERSATIONS ?? 24);
const REPLIES = Number(process.env.SCALE_REPLIES ?? 6);
/** Technician replies per conversation, alternating between the two web nodes. */
const TECH_REPLIES = Number(process.env.SCALE_TECH_REPLIES ?? 2);
const PASSWORD = "technician password 1";
const HELO = ["mx1.gw.scale.example", "mx2.gw.scale.example"];
const mailbox = tenantMailbox("scale", TEST_INBOUND_DOMAIN);

function raw(id: string, from: string, to: string, subject: string, extra: string[] = []): Buffer {
  return Buffer.from(
    [
      `From: <${from}>`,
      `To: ${to}`,
      `Subject: ${subject}`,
      `Message-ID: <${id}>`,
      `Date: ${new Date().toUTCString()}`,
      ...extra,
      "",
      `${subject}.`,
      "",
    ].join("\r\n"),
  );
}

describe.skipIf(!process.env.TEST_POSTGRES_URL)("scale-out: two MTA nodes and two web nodes on one PostgreSQL", () => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let receiver: SmtpReceiver;
  let nodes: MtaProcess[] = [];
  let webs: WebProcess[] = [];
  let session: WebSession;
  let tenantId: string;
  let dataDir: string;

  beforeAll(async () => {
    [database, dns, receiver] = await Promise.all([
      createTestDatabase("postgresql"),
      // Customers authenticate (SPF pass, no DMARC record), so each conversation is acknowledged (R-IN-9).
      startDnsServer({ "customer.example": [{ type: "TXT" as const, data: "v=spf1 ip4:127.0.0.1 -all" }] }),
      startSmtpReceiver(),
    ]);
    // A tenant that can send (verified sending domain), with auto-acknowledgements on and a technician who signs in.
    tenantId = (
      await seedSendingTenant(database.db, dns, {
        slug: "scale",
        domain: "scale-msp.example",
        clientDomain: "customer.example",
        contacts: [],
      })
    ).tenantId;
    await database.db.tenant.update({
      where: { id: tenantId },
      data: { autoAckEnabled: true, autoAckPerSenderHour: 100 },
    });
    await createUser(database.db, tenantId, {
      name: "Sam Scale",
      email: "sam@scale.test",
      role: "TECHNICIAN",
      password: PASSWORD,
    });
    // Deliveries take a moment at the receiver, so one node's worker cannot take the whole queue alone.
    receiver.rules = { data: () => new Promise((r) => setTimeout(() => r(null), 100)) };
    dataDir = mkdtempSync(path.join(tmpdir(), "opsmerge-scale-web-"));
    const ports = [await stablePort(), await stablePort()];
    // The web build (made on first use when `.next/` is missing or stale, as in a fresh clone) first, then the MTA
    // nodes, then the web nodes: an MTA starting while Next builds beside it was left without CPU for over a minute
    // on the two-core CI machine. What is tested is how the nodes run together, not how fast they start.
    await ensureWebBuild();
    nodes = await Promise.all(
      HELO.map((helo) =>
        startMta({
          databaseUrl: database.url,
          dnsServers: dns.address,
          env: {
            SMTP_MAX_CONNECTIONS_PER_IP: "100",
            OUTBOUND_RELAY: receiver.address,
            OUTBOUND_HELO: helo,
            OUTBOUND_CONCURRENCY: "2",
          },
        }),
      ),
    );
    webs = await Promise.all(ports.map((port) => startWeb({ databaseUrl: database.url, port, dataDir })));
    // One session, used on both web nodes: sessions live in the shared database.
    session = await signInOverHttp(webs[0]!.url, "sam@scale.test", PASSWORD);
  }, 600_000);

  afterAll(async () => {
    await Promise.all([...nodes.map((n) => n.stop()), ...webs.map((w) => w.stop())]);
    await Promise.all([receiver?.close(), dns?.close()]);
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("both web nodes are healthy for a load balancer (the MTA is not on a web-only node)", async () => {
    for (const web of webs) {
      const res = await fetch(`${web.url}/api/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "ok", mta: { ok: true, onThisNode: false } });
    }
  });

  /** Sends each node its list at the same time. */
  async function onBothNodes(lists: [OutgoingMessage[], OutgoingMessage[]]): Promise<SenderReport[]> {
    return Promise.all(
      lists.map((messages, i) =>
        sendWithRetries({ host: "127.0.0.1", port: nodes[i]!.port, sessions: 6, messages, deadlineMs: 240_000 }),
      ),
    );
  }

  it("no duplicate tickets, no lost or doubled messages, every reply on its ticket", { timeout: 600_000 }, async () => {
    const run = Date.now().toString(36);
    // Phase 1: each conversation's first message, delivered to both nodes at once.
    const roots = Array.from({ length: CONVERSATIONS }, (_, c) => {
      const id = `root-${run}-${c}@customer.example`;
      const from = `customer${c}@customer.example`;
      return { id, mailFrom: from, rcptTo: mailbox, data: raw(id, from, mailbox, `Conversation ${c}`) };
    });
    const phase1 = await onBothNodes([roots, [...roots].reverse()]);
    for (const r of phase1) expect([...r.pendingIds, ...r.rejectedIds.keys()], r.notes.join("\n")).toEqual([]);

    const rootRows = await database.db.message.findMany({
      where: { tenantId, messageIdHeader: { in: roots.map((r) => r.id) } },
    });
    expect(rootRows).toHaveLength(CONVERSATIONS);
    const ticketOf = new Map(rootRows.map((m) => [m.messageIdHeader, m.ticketId]));

    // Phase 2: replies to the same tickets from both nodes; every fourth one is sent to both at once.
    const replies: { message: OutgoingMessage; ticketId: string; nodes: number[] }[] = [];
    for (let c = 0; c < CONVERSATIONS; c++) {
      const ticketId = ticketOf.get(roots[c]!.id)!;
      const from = roots[c]!.mailFrom;
      const reply = replyAddress(TEST_APP_SECRET, { slug: "scale", ticketId }, TEST_INBOUND_DOMAIN);
      for (let r = 0; r < REPLIES; r++) {
        const id = `reply-${run}-${c}-${r}@customer.example`;
        const byToken = r % 2 === 0;
        const message = byToken
          ? { id, mailFrom: from, rcptTo: reply, data: raw(id, from, reply, `Re: Conversation ${c} (${r})`) }
          : {
              id,
              mailFrom: from,
              rcptTo: mailbox,
              data: raw(id, from, mailbox, `Re: Conversation ${c} (${r})`, [`In-Reply-To: <${roots[c]!.id}>`]),
            };
        const n = (c + r) % 2;
        replies.push({ message, ticketId, nodes: r % 4 === 3 ? [0, 1] : [n] });
      }
    }
    const lists: [OutgoingMessage[], OutgoingMessage[]] = [[], []];
    for (const r of replies) for (const n of r.nodes) lists[n]!.push(r.message);
    // Technicians reply on the same tickets at the same time, through both web nodes in turn.
    const techJobs: ReplyJob[] = [];
    for (let r = 0; r < TECH_REPLIES; r++) {
      for (let c = 0; c < CONVERSATIONS; c++) {
        techJobs.push({
          token: `tech-${run}-${c}-${r}`,
          ticketId: ticketOf.get(roots[c]!.id)!,
          to: roots[c]!.mailFrom,
          baseUrl: webs[(c + r) % 2]!.url,
        });
      }
    }
    const t0 = performance.now();
    const [phase2, tech] = await Promise.all([
      onBothNodes(lists),
      sendRepliesWithRetries({ session, jobs: techJobs, concurrency: 4, deadlineMs: 300_000 }),
    ]);
    const seconds = (performance.now() - t0) / 1000;

    const all = [...roots, ...replies.map((r) => r.message)];
    const ids = all.map((m) => m.id);
    const rows = await database.db.message.findMany({
      where: { tenantId, direction: "INBOUND", messageIdHeader: { in: ids } },
      select: { messageIdHeader: true, ticketId: true },
    });
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.messageIdHeader, (counts.get(r.messageIdHeader) ?? 0) + 1);
    const accepted = new Set([...phase1, ...phase2].flatMap((r) => [...r.acceptedIds]));
    const stored = counts.size;
    const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
    const lost = ids.filter((id) => !counts.has(id)).length;
    const misthreaded = replies.filter(
      (r) => rows.find((m) => m.messageIdHeader === r.message.id)?.ticketId !== r.ticketId,
    ).length;
    const tickets = await database.db.ticket.findMany({
      where: { tenantId },
      select: { number: true },
      orderBy: { number: "asc" },
    });
    const deliveries = [...phase1, ...phase2].reduce((n, r) => n + r.attempts, 0);
    console.log(
      `SCALE two-mta-inbound [postgresql]: sent=${all.length} accepted=${accepted.size} stored=${stored} duplicates=${duplicates} lost=${lost}` +
        ` tickets=${tickets.length}/${CONVERSATIONS} misthreaded=${misthreaded} (deliveries=${deliveries}, replies phase ${replies.length} msgs in ${seconds.toFixed(1)} s)`,
    );

    expect(accepted.size).toBe(all.length);
    expect(stored).toBe(all.length);
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    expect(misthreaded).toBe(0);
    expect(tickets.map((t) => t.number)).toEqual(Array.from({ length: CONVERSATIONS }, (_, i) => i + 1));
    expect((await database.db.tenant.findUniqueOrThrow({ where: { id: tenantId } })).ticketSeq).toBe(CONVERSATIONS);
    // Every second delivery of the same message was recognised as a duplicate, not stored again.
    const outcomes = await database.db.activityLog.groupBy({
      by: ["outcome"],
      where: { tenantId, direction: "INBOUND", messageIdHeader: { in: ids } },
      _count: true,
    });
    expect(Object.fromEntries(outcomes.map((o) => [o.outcome, o._count]))).toEqual({
      DELIVERED: all.length,
      DUPLICATE: CONVERSATIONS + replies.filter((r) => r.nodes.length === 2).length,
    });
    // One auto-acknowledgement per new ticket, whichever node made the ticket.
    const acks = await database.db.message.groupBy({
      by: ["ticketId"],
      where: { tenantId, kind: "AUTO_ACK" },
      _count: true,
    });
    expect(acks).toHaveLength(CONVERSATIONS);
    expect(acks.every((a) => a._count === 1)).toBe(true);

    // Outbound: every reply and acknowledgement delivered, by one node or the other, exactly once.
    expect([...tech.refused.values(), ...tech.pending], "every technician reply was queued").toEqual([]);
    await waitUntil(
      "the outbound queue delivered",
      async () => (await database.db.outboundJob.count({ where: { tenantId, state: { not: "DELIVERED" } } })) === 0,
      { timeoutMs: 240_000, context: () => nodes.map((n) => n.output().slice(-2000)).join("\n---\n") },
    );
    const outbound = await database.db.message.findMany({
      where: { tenantId, direction: "OUTBOUND" },
      select: { messageIdHeader: true, kind: true, deliveryState: true, ticketId: true },
    });
    const received = new Map<string, { count: number; helo: Set<string> }>();
    for (const m of receiver.messages) {
      const id = messageIdOf(m);
      if (!id) continue;
      const entry = received.get(id) ?? { count: 0, helo: new Set() };
      entry.count++;
      entry.helo.add(m.heloName);
      received.set(id, entry);
    }
    const techSummary = await countOutbound(database.db, {
      tenantId,
      tokens: techJobs.map((j) => j.token),
      accepted: tech.told,
      receivedIds: receiver.messages.map(messageIdOf).filter((id): id is string => id !== null),
    });
    // Lost: stored messages (acknowledgements and technician replies) never received, plus replies never stored.
    const outDelivered = outbound.filter((m) => received.has(m.messageIdHeader)).length;
    const outTwice = outbound.reduce((n, m) => n + Math.max((received.get(m.messageIdHeader)?.count ?? 0) - 1, 0), 0);
    const byNode = HELO.map((helo) => receiver.messages.filter((m) => m.heloName === helo).length);
    console.log(
      `SCALE two-web-outbound [postgresql]: sent=${outbound.length} accepted=${techSummary.accepted + CONVERSATIONS}` +
        ` stored=${outbound.length} duplicates=${outTwice + techSummary.storedTwice} lost=${outbound.length - outDelivered + techJobs.length - techSummary.stored}` +
        ` (technician replies ${techSummary.stored}/${techJobs.length} via two web nodes, acks ${acks.length},` +
        ` delivered by mta1=${byNode[0]} mta2=${byNode[1]}, lost-answers=${tech.lostAnswers})`,
    );
    expect(techSummary.accepted).toBe(techJobs.length);
    expect(techSummary.stored).toBe(techJobs.length);
    expect(techSummary.storedTwice).toBe(0);
    expect(techSummary.lost).toBe(0);
    expect(outbound).toHaveLength(techJobs.length + CONVERSATIONS);
    expect(outTwice).toBe(0);
    expect(outDelivered).toBe(outbound.length);
    expect(outbound.every((m) => m.deliveryState === "DELIVERED")).toBe(true);
    expect(byNode[0]! + byNode[1]!).toBe(receiver.messages.length);
    expect(byNode[0], "the first MTA node delivered some of the queue").toBeGreaterThan(0);
    expect(byNode[1], "the second MTA node delivered some of the queue").toBeGreaterThan(0);
    // Technician replies landed on their tickets.
    const ticketOfToken = new Map(techJobs.map((j) => [j.token, j.ticketId]));
    for (const [token, ids] of techSummary.messageIds) {
      expect(outbound.find((m) => m.messageIdHeader === ids[0])?.ticketId).toBe(ticketOfToken.get(token));
    }
  });
});
