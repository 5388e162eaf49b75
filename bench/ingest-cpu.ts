/**
 * `npm run bench ingest-cpu`: where the inbound pipeline spends its CPU, per message, by phase — MIME parsing,
 * authentication (SPF/DKIM/DMARC/ARC against a local DNS server), and the database part (blocklist, routing,
 * threading, ticket + message + activity commit) — called in-process, without SMTP. CPU time (not wall time)
 * is what caps throughput on a busy machine, and it is far less disturbed by other load than wall time. The
 * database is opened as the MTA opens it (MTA_DB_OPTIONS), and the CPU counted is the whole process's, so the
 * SQLite WAL checkpoints on their worker thread count too. SQLite's message search index is filled as the MTA
 * fills it (a batch every MESSAGE_SEARCH_INTERVAL_MS), and what is still pending when the last message is in
 * is indexed inside the measurement: the database part includes the search index either way.
 *
 * Options (env): BENCH_MESSAGES (default 500), BENCH_POSTGRES_URL or TEST_POSTGRES_URL (adds PostgreSQL).
 */
import { cachingResolver, createResolver } from "../server/dns/resolver";
import { authenticateMessage } from "../server/mail/authenticate";
import { ingestInbound } from "../server/inbound/ingest-inbound";
import { parseMessage } from "../server/mail/parse-message";
import { tenantMailbox } from "../server/mail/addresses";
import { createTestDatabase, testProviders } from "../test/support/database";
import { startDnsServer } from "../test/support/dns-server";
import { benchDnsRecords, benchMessages, benchSenderDomain } from "./bench-mail";
import { createClientRow, createTenantRow } from "../test/support/gateway-data";
import { TEST_APP_SECRET, TEST_INBOUND_DOMAIN } from "../test/support/mta";
import { benchPostgresUrl } from "./bench-env";
import { MTA_DB_OPTIONS } from "../server/mta/runtime";
import { indexAllPendingMessages, startMessageSearchIndexJob } from "../server/search/message-search-index";

const total = Number(process.env.BENCH_MESSAGES ?? 500);
benchPostgresUrl();
async function messages(count: number, rcptTo: string, tag: string): Promise<Buffer[]> {
  return (await benchMessages(count, rcptTo, tag)).map((m) => m.raw);
}

/**
 * CPU milliseconds (user + system) and wall milliseconds of `fn` over every item, then `finish` once, per item.
 */
async function measure<T>(
  items: T[],
  fn: (item: T) => Promise<unknown>,
  finish: () => Promise<unknown> = () => Promise.resolve(),
): Promise<{ cpu: number; wall: number }> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (const item of items) await fn(item);
  await finish();
  const cpu = process.cpuUsage(cpu0);
  return { cpu: (cpu.user + cpu.system) / 1000 / items.length, wall: (performance.now() - wall0) / items.length };
}

async function main(): Promise<void> {
  const dns = await startDnsServer(benchDnsRecords);
  // As the MTA resolves for inbound authentication (server/mta/runtime.ts, DNS_CACHE_SECONDS at its default).
  const resolver = cachingResolver(createResolver({ servers: [dns.address] }), { ttlMs: 60_000 });
  const deps = { secret: TEST_APP_SECRET, inboundDomain: TEST_INBOUND_DOMAIN, resolver, trustedArcSealers: [] };
  const rcpt = tenantMailbox("bench", TEST_INBOUND_DOMAIN);
  const auth = (raw: Buffer) =>
    authenticateMessage({
      raw,
      ip: "127.0.0.1",
      helo: "bench.example",
      mailFrom: `user1@${benchSenderDomain}`,
      resolver,
      trustedArcSealers: [],
    });

  console.log(`ingest CPU per message, ${total} messages each (ms; lower is better)`);
  const warm = await messages(50, rcpt, "warm");
  for (const raw of warm) {
    await parseMessage(raw);
    await auth(raw);
  }
  const parse = await measure(await messages(total, rcpt, "parse"), (raw) => parseMessage(raw));
  const authentication = await measure(await messages(total, rcpt, "auth"), auth);
  console.log(`  parse          cpu ${parse.cpu.toFixed(2)}  wall ${parse.wall.toFixed(2)}`);
  console.log(`  authenticate   cpu ${authentication.cpu.toFixed(2)}  wall ${authentication.wall.toFixed(2)}`);

  for (const provider of testProviders()) {
    const database = await createTestDatabase(provider, MTA_DB_OPTIONS);
    try {
      const tenant = await createTenantRow(database.db, "bench", { autoAckEnabled: false });
      await createClientRow(database.db, tenant.id, { name: "Bench Client", primaryDomain: benchSenderDomain });
      const ingest = (raw: Buffer) =>
        ingestInbound(database.db, deps, {
          raw,
          remoteIp: "127.0.0.1",
          helo: "bench.example",
          mailFrom: `user1@${benchSenderDomain}`,
          recipients: [rcpt],
          receivedAt: new Date(),
        });
      for (const raw of await messages(50, rcpt, `${provider}-warm`)) await ingest(raw);
      await indexAllPendingMessages(database.db);
      const batches = startMessageSearchIndexJob(database.db);
      const whole = await measure(await messages(total, rcpt, provider), ingest, async () => {
        await batches.stop();
        await indexAllPendingMessages(database.db);
      });
      const dbCpu = whole.cpu - parse.cpu - authentication.cpu;
      console.log(
        `  ${provider.padEnd(13)} whole cpu ${whole.cpu.toFixed(2)}  wall ${whole.wall.toFixed(2)}  → database part cpu ≈ ${dbCpu.toFixed(2)}`,
      );
    } finally {
      await database.drop();
    }
  }
  await dns.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
