/**
 * `npm run bench outbound` (R-OUT-3): outbound delivery throughput of the MTA's worker, from a queue of signed
 * replies to every one recorded DELIVERED, over real SMTP (STARTTLS) to a local receiver (smtp-server) reached through
 * OUTBOUND_RELAY; one MTA node and then two on the same database; on SQLite and, with TEST_POSTGRES_URL, PostgreSQL.
 * Also the time queueReply takes (compose, DKIM-sign, one transaction) per message. Prints figures; asserts nothing.
 *
 * Options (env): BENCH_MESSAGES (default 300), BENCH_CONCURRENCY (OUTBOUND_CONCURRENCY per node, default 5),
 * BENCH_POSTGRES_URL or TEST_POSTGRES_URL (adds the PostgreSQL rows).
 */
import { queueReply } from "../server/outbound";
import { createTestDatabase, type Provider } from "../test/support/database";
import { startDnsServer } from "../test/support/dns-server";
import { startMta, TEST_APP_SECRET, TEST_INBOUND_DOMAIN } from "../test/support/mta";
import { seedSendingTenant, waitUntil } from "../test/support/outbound-data";
import { startSmtpReceiver } from "../test/support/smtp-receiver";
import { benchPostgresUrl } from "./bench-env";

const total = Number(process.env.BENCH_MESSAGES ?? 300);
const concurrency = process.env.BENCH_CONCURRENCY ?? "5";
const postgresUrl = benchPostgresUrl();

type Row = { provider: Provider; nodes: number; messages: number; queueMsPerMessage: number; seconds: number; perSecond: number };

async function run(provider: Provider, nodes: number): Promise<Row> {
  const [database, dns, receiver] = await Promise.all([createTestDatabase(provider), startDnsServer(), startSmtpReceiver()]);
  const mtas = [];
  try {
    const acme = await seedSendingTenant(database.db, dns, { slug: "acme", domain: "acme-msp.example", clientDomain: "client.example", contacts: [] });
    const ticket = await database.db.ticket.create({
      data: { tenantId: acme.tenantId, number: 1, subject: "Bench", clientId: acme.clientId },
    });
    // Queue everything first, held back, so the figure is delivery alone.
    const held = new Date(Date.now() + 3_600_000);
    const queuedAt = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < total; i++) {
      const q = await queueReply(database.db, {
        tenantId: acme.tenantId,
        ticketId: ticket.id,
        authorId: acme.userId,
        to: [`user${i}@client.example`],
        subject: `Update ${i}`,
        bodyText: `Hello,\n\nthe printer on floor ${i % 7} is fixed.\n\nRegards,\nSupport\n`,
        secret: TEST_APP_SECRET,
        inboundDomain: TEST_INBOUND_DOMAIN,
      });
      ids.push(q.messageId);
      if (i % 50 === 49 || i === total - 1) {
        await database.db.outboundJob.updateMany({ where: { state: "QUEUED" }, data: { nextAttemptAt: held } });
      }
    }
    const queueMsPerMessage = (Date.now() - queuedAt) / total;
    for (let n = 0; n < nodes; n++) {
      mtas.push(
        await startMta({
          databaseUrl: database.url,
          dnsServers: dns.address,
          env: { OUTBOUND_RELAY: receiver.address, OUTBOUND_CONCURRENCY: concurrency, OUTBOUND_HELO: `node${n}.bench` },
        }),
      );
    }
    const start = Date.now();
    await database.db.outboundJob.updateMany({ where: { state: "QUEUED" }, data: { nextAttemptAt: new Date() } });
    await waitUntil(
      "every message delivered",
      async () => (await database.db.message.count({ where: { id: { in: ids }, deliveryState: "DELIVERED" } })) === total,
      { timeoutMs: 600_000 },
    );
    const seconds = (Date.now() - start) / 1_000;
    if (receiver.messages.length !== total) throw new Error(`receiver got ${receiver.messages.length} messages, expected ${total}`);
    return { provider, nodes, messages: total, queueMsPerMessage, seconds, perSecond: total / seconds };
  } finally {
    await Promise.all(mtas.map((m) => m.stop()));
    await Promise.all([receiver.close(), dns.close()]);
    await database.drop();
  }
}

const providers: Provider[] = postgresUrl ? ["sqlite", "postgresql"] : ["sqlite"];
const rows: Row[] = [];
for (const provider of providers) {
  for (const nodes of [1, 2]) {
    const row = await run(provider, nodes);
    rows.push(row);
    console.log(
      `${provider.padEnd(10)} nodes=${nodes} messages=${row.messages} queueReply=${row.queueMsPerMessage.toFixed(1)} ms/msg ` +
        `delivery=${row.seconds.toFixed(2)} s → ${row.perSecond.toFixed(1)} msg/s (concurrency ${concurrency} per node)`,
    );
  }
}
