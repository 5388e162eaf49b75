/**
 * `npm run bench:activity` (R-ACT-2): the activity screen's queries at 1,000,000 rows, on SQLite and (with
 * TEST_POSTGRES_URL / BENCH_POSTGRES_URL) PostgreSQL. Seeds two tenants' worth of realistic rows over ~90 days
 * with bulk inserts, then times the same domain functions the tRPC router calls (listActivity,
 * getActivityEntry, activityVolume): the first page of every filter, deeper cursor pages, and the detail and
 * chart queries. Prints p50/p95 per query; the target is p95 < 100 ms for the first page of any filter.
 *
 * Options (env): BENCH_ACTIVITY_ROWS (1000000), BENCH_ACTIVITY_RUNS (25 per query), BENCH_ACTIVITY_PROVIDERS
 * (e.g. "sqlite" to skip PostgreSQL).
 */
import Database from "better-sqlite3";
import pg from "pg";
import { createTestDatabase, type Provider, type TestDatabase } from "../test/support/database";
import { createTenant } from "../server/tenants/create-tenant";
import { activityVolume, getActivityEntry, listActivity, type ListActivityInput } from "../server/activity/list-activity";
import { percentile } from "./smtp-load";
import { benchPostgresUrl, printTimings, seededRandom as rng } from "./bench-env";

const totalRows = Number(process.env.BENCH_ACTIVITY_ROWS ?? 1_000_000);
const runs = Number(process.env.BENCH_ACTIVITY_RUNS ?? 25);
const postgresUrl = benchPostgresUrl();
const providers: Provider[] = (process.env.BENCH_ACTIVITY_PROVIDERS?.split(",") as Provider[] | undefined) ?? (postgresUrl ? ["sqlite", "postgresql"] : ["sqlite"]);

const DAY = 86_400_000;
const NOW = Date.now();

const FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "walter"];
const DOMAINS = Array.from({ length: 200 }, (_, i) => `client${i}.example`);
const TOPICS = [
  "Printer on floor 2 is offline",
  "VPN keeps disconnecting",
  "New starter next Monday",
  "Outlook asks for my password again",
  "Invoice INV-2291 question",
  "Laptop screen flickers",
  "Cannot open the shared drive",
  "Password reset please",
  "Wi-Fi in the meeting room",
  "Backup failed last night",
  "Teams calls drop after 5 minutes",
  "Request: new mailbox for sales",
  "Phishing email received?",
  "Server room temperature alert",
  "Licence renewal for Office",
];
const DROP_REASONS = ["blocklist: domain spam-domain.co", "dmarc", "spf", "automatic mail (auto-submitted) does not open a ticket"];

type Seeded = { tenantA: string; tenantB: string };

function id(r: () => number): string {
  let s = "c";
  for (let i = 0; i < 24; i++) s += Math.floor(r() * 36).toString(36);
  return s;
}

/** One row's values, in INSERT column order. */
const COLUMNS = [
  "id",
  "tenantId",
  "createdAt",
  "direction",
  "outcome",
  "reason",
  "envelopeFrom",
  "envelopeTo",
  "fromAddress",
  "toAddress",
  "subject",
  "messageIdHeader",
  "spf",
  "dkim",
  "dmarc",
  "arc",
  "remoteReply",
  "processingMs",
] as const;

function* generate(tenantA: string, tenantB: string): Generator<(string | number | Date | null)[]> {
  const r = rng(42);
  for (let i = 0; i < totalRows; i++) {
    const tenant = r() < 0.7 ? tenantA : tenantB;
    const slug = tenant === tenantA ? "bench-a" : "bench-b";
    // Zipf-like: a few clients write most of the mail.
    const domain = DOMAINS[Math.floor(DOMAINS.length * r() ** 3)]!;
    const person = `${FIRST[Math.floor(r() * FIRST.length)]!}.${Math.floor(r() ** 2 * 20)}@${domain}`;
    // Weekday office hours are busier; spread over 90 days.
    const createdAt = new Date(NOW - Math.floor(r() * 90 * DAY));
    const inbound = r() < 0.6;
    const x = r();
    const outcome = inbound
      ? x < 0.85 ? "DELIVERED" : x < 0.95 ? "DROPPED" : "DUPLICATE"
      : x < 0.8 ? "DELIVERED" : x < 0.88 ? "QUEUED" : x < 0.95 ? "DEFERRED" : "BOUNCED";
    const topic = TOPICS[Math.floor(r() * TOPICS.length)]!;
    const subject = `${inbound ? (r() < 0.4 ? "RE: " : "") : "Re: "}${topic} [#${Math.floor(r() * 9000) + 1000}]`;
    const support = `support@${slug}.in.localhost`;
    const from = inbound ? person : `help@msp-${slug}.example`;
    const to = inbound ? support : person;
    yield [
      id(r),
      tenant,
      createdAt,
      inbound ? "INBOUND" : "OUTBOUND",
      outcome,
      outcome === "DROPPED" ? DROP_REASONS[Math.floor(r() * DROP_REASONS.length)]! : inbound ? "new ticket (domain)" : null,
      from,
      to,
      from,
      to,
      subject,
      `<${i}.${createdAt.getTime()}@${inbound ? domain : "msp.example"}>`,
      inbound ? "pass" : null,
      inbound ? (r() < 0.8 ? "pass" : "none") : null,
      inbound ? "pass" : null,
      inbound ? "none" : null,
      inbound ? null : outcome === "BOUNCED" ? "550 5.1.1 <user> User unknown" : "250 2.0.0 OK queued",
      Math.floor(r() * 120) + 5,
    ];
  }
}

async function seedSqlite(t: TestDatabase, tenantA: string, tenantB: string): Promise<void> {
  await t.db.$disconnect();
  const sqlite = new Database(t.url.replace(/^file:/, ""));
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = OFF");
  const insert = sqlite.prepare(
    `INSERT INTO "ActivityLog" (${COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})`,
  );
  let batch: unknown[][] = [];
  const flush = sqlite.transaction((rows: unknown[][]) => {
    for (const row of rows) insert.run(row);
  });
  let done = 0;
  for (const row of generate(tenantA, tenantB)) {
    // The format the Prisma SQLite adapter writes and compares DateTime as.
    row[2] = (row[2] as Date).toISOString().replace("Z", "+00:00");
    batch.push(row);
    if (batch.length === 20_000) {
      flush(batch);
      done += batch.length;
      batch = [];
      if (done % 200_000 === 0) console.log(`    sqlite: ${done} rows`);
    }
  }
  flush(batch);
  sqlite.exec("ANALYZE");
  sqlite.close();
}

async function seedPostgres(t: TestDatabase, tenantA: string, tenantB: string): Promise<void> {
  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  const types = ["text", "text", "timestamp(3)", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "int"];
  const sql = `INSERT INTO "ActivityLog" (${COLUMNS.map((c) => `"${c}"`).join(", ")})
    SELECT * FROM unnest(${COLUMNS.map((_, i) => `$${i + 1}::${types[i]}[]`).join(", ")})`;
  let columns: unknown[][] = COLUMNS.map(() => []);
  let count = 0;
  let done = 0;
  const flush = async () => {
    await client.query(sql, columns);
    done += count;
    if (done % 200_000 === 0) console.log(`    postgresql: ${done} rows`);
    columns = COLUMNS.map(() => []);
    count = 0;
  };
  for (const row of generate(tenantA, tenantB)) {
    // timestamp(3) without time zone holds UTC, as Prisma writes it.
    row[2] = (row[2] as Date).toISOString().replace("T", " ").replace("Z", "");
    row.forEach((v, i) => columns[i]!.push(v));
    count++;
    if (count === 10_000) await flush();
  }
  if (count) await flush();
  await client.query(`VACUUM ANALYZE "ActivityLog"`);
  await client.end();
}

async function seed(t: TestDatabase): Promise<Seeded> {
  const tenantA = (await createTenant(t.db, { slug: "bench-a", name: "Bench A" })).id;
  const tenantB = (await createTenant(t.db, { slug: "bench-b", name: "Bench B" })).id;
  const started = performance.now();
  if (t.provider === "sqlite") await seedSqlite(t, tenantA, tenantB);
  else await seedPostgres(t, tenantA, tenantB);
  console.log(`    seeded ${totalRows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { tenantA, tenantB };
}

type Case = { name: string; firstPage: boolean; run: (i: number) => Promise<unknown> };

async function measure(c: Case): Promise<{ p50: number; p95: number }> {
  await c.run(0); // warm-up: plan cache, page cache
  const times: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const started = performance.now();
    await c.run(i);
    times.push(performance.now() - started);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function benchProvider(provider: Provider): Promise<{ name: string; firstPage: boolean; p50: number; p95: number }[]> {
  console.log(`  ${provider}: seeding…`);
  let t = await createTestDatabase(provider);
  const s = await seed(t);
  if (provider === "sqlite") {
    // Reconnect after the direct bulk insert.
    const { createDb } = await import("../server/db/client");
    t = { ...t, db: createDb(t.database) };
  }
  const db = t.db;
  // Addresses to filter by: the busiest sender of tenant A and some rarely seen ones.
  const senders = await db.activityLog.groupBy({
    by: ["fromAddress"],
    where: { tenantId: s.tenantA, direction: "INBOUND", createdAt: { gte: new Date(NOW - 2 * DAY) } },
    _count: { _all: true },
    orderBy: { _count: { fromAddress: "desc" } },
  });
  const busiest = senders.slice(0, 5).map((r) => r.fromAddress!);
  const rare = senders.slice(-10).map((r) => r.fromAddress!);
  const midPage = await listActivity(db, { tenantId: s.tenantA, to: new Date(NOW - 45 * DAY) });
  const detailIds = midPage.rows.map((r) => r.id);
  const tenantA = s.tenantA;
  const list = (input: Omit<ListActivityInput, never>) => listActivity(db, { tenantId: tenantA, ...input });
  const pick = <T,>(xs: T[], i: number) => xs[i % xs.length]!;

  const deepCursors: string[] = [];
  {
    let cursor: string | undefined;
    for (let p = 0; p < 20; p++) {
      const page = await list(cursor ? { cursor } : {});
      cursor = page.nextCursor!;
      deepCursors.push(cursor);
    }
  }

  const cases: Case[] = [
    { name: "no filter", firstPage: true, run: () => list({}) },
    { name: "direction inbound", firstPage: true, run: () => list({ messageDirection: "INBOUND" }) },
    { name: "direction outbound", firstPage: true, run: () => list({ messageDirection: "OUTBOUND" }) },
    { name: "outcome dropped", firstPage: true, run: () => list({ outcome: "DROPPED" }) },
    { name: "outcome bounced", firstPage: true, run: () => list({ outcome: "BOUNCED" }) },
    { name: "outbound + bounced", firstPage: true, run: () => list({ messageDirection: "OUTBOUND", outcome: "BOUNCED" }) },
    { name: "last 7 days", firstPage: true, run: () => list({ from: new Date(NOW - 7 * DAY) }) },
    {
      name: "a week 60 days ago",
      firstPage: true,
      run: () => list({ from: new Date(NOW - 60 * DAY), to: new Date(NOW - 53 * DAY) }),
    },
    {
      name: "week 60d ago + dropped",
      firstPage: true,
      run: () => list({ from: new Date(NOW - 60 * DAY), to: new Date(NOW - 53 * DAY), outcome: "DROPPED" }),
    },
    { name: "address exact, busy (from or to)", firstPage: true, run: (i) => list({ address: pick(busiest, i) }) },
    { name: "address exact, rare (from or to)", firstPage: true, run: (i) => list({ address: pick(rare, i) }) },
    { name: "address exact, from", firstPage: true, run: (i) => list({ address: pick(rare, i), addressField: "from" }) },
    {
      name: "address exact + dropped",
      firstPage: true,
      run: (i) => list({ address: pick(busiest, i), outcome: "DROPPED" }),
    },
    {
      name: "address prefix (scan window)",
      firstPage: true,
      run: (i) => list({ address: pick(rare, i).slice(0, 8), addressMatch: "prefix" }),
    },
    { name: "subject contains, common", firstPage: true, run: () => list({ subject: "printer" }) },
    { name: "subject contains, rare", firstPage: true, run: (i) => list({ subject: `[#${1000 + (i % 50)}]` }) },
    { name: "subject contains, no match", firstPage: true, run: () => list({ subject: "zebra crossing" }) },
    { name: "subject + outbound + bounced", firstPage: true, run: () => list({ subject: "vpn", messageDirection: "OUTBOUND", outcome: "BOUNCED" }) },
    { name: "page 2 (cursor)", firstPage: false, run: () => list({ cursor: deepCursors[0]! }) },
    { name: "page 21 (cursor)", firstPage: false, run: () => list({ cursor: deepCursors[19]! }) },
    {
      name: "page at 45 days back (cursor)",
      firstPage: false,
      run: () => list({ cursor: midPage.nextCursor! }),
    },
    {
      name: "inbound page at 45 days (cursor)",
      firstPage: false,
      run: () => list({ cursor: midPage.nextCursor!, messageDirection: "INBOUND" }),
    },
    { name: "detail view", firstPage: false, run: (i) => getActivityEntry(db, { tenantId: tenantA, id: pick(detailIds, i) }) },
    { name: "chart: 14 days by outcome", firstPage: false, run: () => activityVolume(db, { tenantId: tenantA, days: 14 }) },
    { name: "chart: 90 days by outcome", firstPage: false, run: () => activityVolume(db, { tenantId: tenantA, days: 90 }) },
  ];
  const out = [];
  for (const c of cases) {
    const r = await measure(c);
    out.push({ name: c.name, firstPage: c.firstPage, ...r });
  }
  await t.drop();
  return out;
}

console.log(`activity benchmark: ${totalRows} rows (70% tenant A, 30% tenant B, ~90 days), ${runs} runs per query`);
const results = new Map<Provider, Awaited<ReturnType<typeof benchProvider>>>();
for (const provider of providers) results.set(provider, await benchProvider(provider));

printTimings("query (tenant A)", results);
for (const p of providers) {
  const firstPages = results.get(p)!.filter((r) => r.firstPage);
  const worst = firstPages.reduce((a, b) => (b.p95 > a.p95 ? b : a));
  console.log(`${p}: worst first-page p95 ${worst.p95.toFixed(1)} ms (${worst.name}); target < 100 ms: ${worst.p95 < 100 ? "met" : "NOT met"}`);
}
