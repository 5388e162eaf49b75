/**
 * `npm run bench:search` (issue 21 item 3): the Tickets list's full-text search at 1,000,000 messages, on SQLite
 * (FTS5) and, with TEST_POSTGRES_URL / BENCH_POSTGRES_URL, PostgreSQL (tsvector + GIN). Seeds two tenants'
 * tickets of about four messages each (70% / 30%), the indexes kept by the database as in production (SQLite:
 * bulk inserts in transactions, then the FTS5 index built in one pass and its batch mark moved to the end, as the
 * migration 20261207150000_message_search_batched describes; PostgreSQL: COPY, the generated column computed
 * per row, the GIN index built once after loading); prints each database's seeding time. Then times listTickets with a search, as the tRPC
 * router calls it: the first page (25 tickets, ranked, with snippets and status counts). Prints p50/p95 per query,
 * in the shape of `npm run bench:activity`.
 *
 * Options (env): BENCH_SEARCH_MESSAGES (1000000), BENCH_SEARCH_RUNS (25 per query), BENCH_SEARCH_PROVIDERS
 * (e.g. "sqlite" to skip PostgreSQL), BENCH_SEARCH_KEEP (keep the seeded databases, print their URLs),
 * BENCH_SEARCH_SEEDED ("sqlite=<url> postgresql=<url>": time the queries on databases kept before, no seeding).
 */
import Database from "better-sqlite3";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { createTestDatabase, type Provider, type TestDatabase } from "../test/support/database";
import { createTenant } from "../server/tenants/create-tenant";
import { listTickets, type ListTicketsInput } from "../server/tickets/list-tickets";
import { percentile } from "./smtp-load";
import { benchPostgresUrl, printTimings, seededRandom } from "./bench-env";

const totalMessages = Number(process.env.BENCH_SEARCH_MESSAGES ?? 1_000_000);
const runs = Number(process.env.BENCH_SEARCH_RUNS ?? 25);
const postgresUrl = benchPostgresUrl();
const providers: Provider[] =
  (process.env.BENCH_SEARCH_PROVIDERS?.split(",") as Provider[] | undefined) ?? (postgresUrl ? ["sqlite", "postgresql"] : ["sqlite"]);

const DAY = 86_400_000;
const NOW = Date.now();
const MESSAGES_PER_TICKET = 4;

const FIRST = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Jürgen", "Zoë", "Oscar", "Peggy", "Sören", "Walter"];
const LAST = ["Jones", "Smith", "Müller", "Brown", "Garcia", "Nakamura", "Øster", "Dubois", "Rossi", "Kowalski"];
const TOPICS = [
  "Printer on floor 2 is offline",
  "VPN keeps disconnecting",
  "New starter next Monday",
  "Outlook asks for my password again",
  "Frage zur Überweisung",
  "Laptop screen flickers",
  "Cannot open the shared drive",
  "Backup failed last night",
  "Teams calls drop after 5 minutes",
  "Phishing email received?",
  "Licence renewal for Office",
  "Wi-Fi in the meeting room",
];
/** Everyday words the bodies are made of; a Zipf-like pick makes some common and most rare. */
const WORDS = (
  "the a to and of is in it for on that this please we you have with not can be my our at from when after " +
  "again still error message screen printer toner paper jam driver update restart reboot laptop desktop server " +
  "network switch router firewall vpn tunnel certificate expired password reset account locked mailbox outlook " +
  "calendar invite teams meeting audio camera microphone licence renewal invoice payment Überweisung Rechnung " +
  "Drucker Störung backup failed restore snapshot disk full quota share drive folder permission access denied " +
  "phishing suspicious link attachment quarantine spam filter wifi signal slow internet outage since yesterday " +
  "morning afternoon monday urgent thanks regards kind best cheers office floor room building site warehouse"
).split(" ");

type Row = (string | number | null)[];

/** Tickets and their messages, in insert order, for both databases alike. */
function* generate(tenantA: string, tenantB: string, clients: Map<string, string[]>): Generator<{ ticket: Row; messages: Row[] }> {
  const r = seededRandom(7);
  const numbers = new Map<string, number>([[tenantA, 0], [tenantB, 0]]);
  const tickets = Math.ceil(totalMessages / MESSAGES_PER_TICKET);
  const pick = <T,>(xs: T[], skew = 1) => xs[Math.floor(xs.length * r() ** skew)]!;
  for (let i = 0; i < tickets; i++) {
    const tenantId = r() < 0.7 ? tenantA : tenantB;
    const number = numbers.get(tenantId)! + 1;
    numbers.set(tenantId, number);
    const clientNo = Math.floor(40 * r() ** 2);
    const clientId = clients.get(tenantId)![clientNo]!;
    const first = pick(FIRST);
    const last = pick(LAST);
    const address = `${first.toLowerCase()}.${last.toLowerCase()}@client${clientNo}.example`.normalize("NFD").replace(/\p{M}/gu, "");
    const topic = pick(TOPICS);
    const subject = `${topic} [${Math.floor(r() * 9000) + 1000}]`;
    const created = NOW - Math.floor(r() * 180 * DAY);
    const ticketId = `t${i.toString(36).padStart(10, "0")}${tenantId.slice(-4)}`;
    const status = r() < 0.2 ? "OPEN" : r() < 0.1 ? "PENDING" : "CLOSED";
    const messages: Row[] = [];
    for (let m = 0; m < MESSAGES_PER_TICKET && i * MESSAGES_PER_TICKET + m < totalMessages; m++) {
      const inbound = m % 2 === 0;
      const words = Array.from({ length: 30 + Math.floor(r() * 60) }, () => pick(WORDS, 2.5));
      if (r() < 0.05) words.splice(Math.floor(r() * words.length), 0, `LT-${Math.floor(r() * 9000) + 1000}`);
      const newText = words.join(" ");
      const textBody = inbound && m > 0 ? `${newText}\n\n> ${pick(TOPICS)} wrote earlier` : newText;
      const sentAt = created + m * 3_600_000;
      messages.push([
        `m${(i * MESSAGES_PER_TICKET + m).toString(36).padStart(10, "0")}`,
        tenantId,
        ticketId,
        inbound ? "INBOUND" : "OUTBOUND",
        "REPLY",
        `${i}.${m}@bench.example`,
        inbound ? address : "support@msp.example",
        inbound ? `${first} ${last}` : "Support",
        m === 0 ? subject : `Re: ${subject}`,
        sentAt,
        textBody,
        newText,
        sentAt,
      ]);
    }
    const lastAt = created + (messages.length - 1) * 3_600_000;
    yield { ticket: [ticketId, tenantId, number, subject, status, clientId, created, lastAt, lastAt], messages };
  }
}

const TICKET_COLUMNS = ["id", "tenantId", "number", "subject", "status", "clientId", "createdAt", "updatedAt", "lastActivityAt"];
const MESSAGE_COLUMNS = ["id", "tenantId", "ticketId", "direction", "kind", "messageIdHeader", "fromAddress", "fromName", "subject", "sentAt", "textBody", "newText", "createdAt"];
const TICKET_DATES = [6, 7, 8];
const MESSAGE_DATES = [9, 12];

const insertSql = (table: string, columns: string[]) =>
  `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`;

async function seedSqlite(t: TestDatabase, tenantA: string, tenantB: string, clients: Map<string, string[]>): Promise<void> {
  await t.db.$disconnect();
  const sqlite = new Database(t.url.replace(/^file:/, ""));
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = OFF");
  const ticket = sqlite.prepare(insertSql("Ticket", TICKET_COLUMNS));
  const message = sqlite.prepare(insertSql("Message", MESSAGE_COLUMNS));
  // The format the Prisma SQLite adapter writes and compares DateTime as.
  const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");
  const flush = sqlite.transaction((batch: { ticket: Row; messages: Row[] }[]) => {
    for (const b of batch) {
      ticket.run(b.ticket.map((v, i) => (TICKET_DATES.includes(i) ? iso(v as number) : v)));
      for (const m of b.messages) message.run(m.map((v, i) => (MESSAGE_DATES.includes(i) ? iso(v as number) : v)));
    }
  });
  let batch: { ticket: Row; messages: Row[] }[] = [];
  let done = 0;
  for (const item of generate(tenantA, tenantB, clients)) {
    batch.push(item);
    if (batch.length === 5_000) {
      flush(batch);
      done += batch.length * MESSAGES_PER_TICKET;
      batch = [];
      if (done % 200_000 === 0) console.log(`    sqlite: ${done} messages`);
    }
  }
  flush(batch);
  sqlite.exec(`INSERT INTO "MessageSearch"("MessageSearch") VALUES ('rebuild')`);
  sqlite.exec(`UPDATE "MessageSearchProgress" SET "indexedThrough" = (SELECT COALESCE(MAX(rowid), 0) FROM "Message")`);
  sqlite.exec(`INSERT INTO "MessageSearch"("MessageSearch") VALUES ('optimize')`);
  sqlite.exec("ANALYZE");
  sqlite.close();
}

/** One row of COPY's text format: tab-separated, \N for null, backslash escapes. */
function copyLine(row: (string | number | null)[]): string {
  return `${row.map((v) => (v === null ? "\\N" : String(v).replace(/[\\\t\n\r]/g, (c) => ({ "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" })[c]!))).join("\t")}\n`;
}

async function seedPostgres(t: TestDatabase, tenantA: string, tenantB: string, clients: Map<string, string[]>): Promise<void> {
  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  // Built once after loading, as one would for a bulk import: much faster than a million GIN insertions.
  await client.query(`DROP INDEX "Message_searchVector_idx"`);
  const ts = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace("Z", "");
  const copy = async (table: string, columns: string[], text: string) => {
    const sql = `COPY "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) FROM STDIN`;
    await pipeline(Readable.from([text]), client.query(copyFrom(sql)));
  };
  let tickets: string[] = [];
  let messages: string[] = [];
  let done = 0;
  const flush = async () => {
    await client.query("BEGIN");
    await copy("Ticket", TICKET_COLUMNS, tickets.join(""));
    await copy("Message", MESSAGE_COLUMNS, messages.join(""));
    await client.query("COMMIT");
    done += messages.length;
    if (done % 200_000 === 0) console.log(`    postgresql: ${done} messages`);
    tickets = [];
    messages = [];
  };
  for (const item of generate(tenantA, tenantB, clients)) {
    tickets.push(copyLine(item.ticket.map((v, i) => (TICKET_DATES.includes(i) ? ts(v as number) : v))));
    for (const m of item.messages) messages.push(copyLine(m.map((v, i) => (MESSAGE_DATES.includes(i) ? ts(v as number) : v))));
    if (tickets.length === 10_000) await flush();
  }
  if (tickets.length) await flush();
  console.log("    postgresql: building the GIN index");
  await client.query(`SET maintenance_work_mem = '256MB'`);
  await client.query(`CREATE INDEX "Message_searchVector_idx" ON "Message" USING GIN ("searchVector")`);
  await client.query(`VACUUM ANALYZE`);
  await client.end();
}

type Case = { name: string; input: (i: number) => ListTicketsInput };

/** A database seeded by an earlier run kept with BENCH_SEARCH_KEEP (BENCH_SEARCH_SEEDED="sqlite=<url> postgresql=<url>"). */
function seededUrl(provider: Provider): string | undefined {
  return process.env.BENCH_SEARCH_SEEDED?.split(/\s+/).find((e) => e.startsWith(`${provider}=`))?.slice(provider.length + 1);
}

async function seededDatabase(provider: Provider, url: string): Promise<{ t: TestDatabase; clients: Map<string, string[]> }> {
  const { createDb } = await import("../server/db/client");
  const database = { provider, url } as const;
  const db = createDb(database);
  const clients = new Map<string, string[]>();
  for (const slug of ["bench-a", "bench-b"]) {
    const tenant = await db.tenant.findUniqueOrThrow({ where: { slug }, select: { id: true } });
    const rows = await db.client.findMany({ where: { tenantId: tenant.id }, orderBy: { name: "asc" }, select: { id: true, name: true } });
    clients.set(tenant.id, rows.sort((a, b) => Number(a.name.split(" ")[1]) - Number(b.name.split(" ")[1])).map((r) => r.id));
  }
  console.log(`  ${provider}: the database seeded before (${url})`);
  return { t: { provider, database, url, db, drop: () => db.$disconnect() }, clients };
}

async function seededFresh(provider: Provider): Promise<{ t: TestDatabase; clients: Map<string, string[]> }> {
  console.log(`  ${provider}: seeding…`);
  let t = await createTestDatabase(provider);
  const tenantA = (await createTenant(t.db, { slug: "bench-a", name: "Bench A" })).id;
  const tenantB = (await createTenant(t.db, { slug: "bench-b", name: "Bench B" })).id;
  const clients = new Map<string, string[]>();
  for (const tenantId of [tenantA, tenantB]) {
    const ids: string[] = [];
    for (let c = 0; c < 40; c++) ids.push((await t.db.client.create({ data: { tenantId, name: `Client ${c}` } })).id);
    clients.set(tenantId, ids);
  }
  const started = performance.now();
  if (provider === "sqlite") await seedSqlite(t, tenantA, tenantB, clients);
  else await seedPostgres(t, tenantA, tenantB, clients);
  console.log(`    ${provider}: seeded ${totalMessages} messages in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (provider === "sqlite") {
    const { createDb } = await import("../server/db/client");
    t = { ...t, db: createDb(t.database) };
  }
  return { t, clients };
}

async function benchProvider(provider: Provider) {
  const url = seededUrl(provider);
  const { t, clients } = url ? await seededDatabase(provider, url) : await seededFresh(provider);
  const tenantA = [...clients.keys()][0]!;
  const db = t.db;
  const busyClient = clients.get(tenantA)![0]!;
  const cases: Case[] = [
    { name: "common word (printer)", input: () => ({ search: "printer" }) },
    { name: "common word, all statuses tab", input: () => ({ search: "toner", status: "CLOSED" }) },
    { name: "rare device name (LT-4711)", input: (i) => ({ search: `LT-${4700 + (i % 20)}` }) },
    { name: "two words (vpn certificate)", input: () => ({ search: "vpn certificate" }) },
    { name: "person name (jürgen)", input: () => ({ search: "jürgen" }) },
    { name: "address part (bob.jones@client3)", input: () => ({ search: "bob.jones@client3" }) },
    { name: "Unicode case (überweisung)", input: () => ({ search: "ÜBERWEISUNG" }) },
    { name: "prefix while typing (certif)", input: () => ({ search: "certif" }) },
    { name: "no match (zebracrossing)", input: () => ({ search: "zebracrossing" }) },
    { name: "ticket number (#1234)", input: (i) => ({ search: `#${1000 + i}` }) },
    { name: "word + client filter", input: () => ({ search: "printer", clientId: busyClient }) },
    { name: "no search (list, for scale)", input: () => ({}) },
  ];
  const out: { name: string; p50: number; p95: number }[] = [];
  for (const c of cases) {
    await listTickets(db, tenantA, c.input(0));
    const times: number[] = [];
    for (let i = 1; i <= runs; i++) {
      const s = performance.now();
      await listTickets(db, tenantA, c.input(i));
      times.push(performance.now() - s);
    }
    out.push({ name: c.name, p50: percentile(times, 50), p95: percentile(times, 95) });
  }
  if (process.env.BENCH_SEARCH_KEEP) console.log(`    kept ${provider} database: ${t.url}`);
  else await t.drop();
  return out;
}

console.log(`search benchmark: ${totalMessages} messages (${MESSAGES_PER_TICKET} per ticket, 70% tenant A, 30% tenant B), ${runs} runs per query`);
const results = new Map<Provider, Awaited<ReturnType<typeof benchProvider>>>();
for (const provider of providers) results.set(provider, await benchProvider(provider));

printTimings("search, first page (tenant A)", results);
for (const p of providers) {
  const worst = results.get(p)!.reduce((a, b) => (b.p95 > a.p95 ? b : a));
  console.log(`${p}: worst p95 ${worst.p95.toFixed(1)} ms (${worst.name})`);
}
