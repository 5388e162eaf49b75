/**
 * `npm run bench memory` (issue 19 item 13): the MTA's peak resident memory while it receives, parses and stores
 * 20 MB messages (a 15 MB attachment each), with 1 and with 10 sent at once, on SQLite (and PostgreSQL when
 * BENCH_POSTGRES_URL or TEST_POSTGRES_URL is set). Each row runs on a fresh MTA process (`scripts/mta.ts`, as
 * `npm start` runs it): idle is its resident memory after WARM_MESSAGES small messages, peak is the kernel's
 * high-water mark of resident memory (VmHWM, reset at idle) once every message is committed. Senders that get a 4xx (more large messages in
 * flight than LARGE_MESSAGE_SLOTS) retry after a second, as MTAs do; the row counts those retries. The growth is
 * given as a multiple of the bytes sent and of the bytes in flight (the MTA holds at most LARGE_MESSAGE_SLOTS large
 * messages at once: min(concurrency, slots) messages); issue 19 item 13's target is under 3x the bytes in flight.
 *
 * Options (env): BENCH_LARGE_MB (20), BENCH_CONCURRENCY (1,10), BENCH_LARGE_SLOTS (2, the MTA's default).
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { tenantMailbox } from "../server/mail/addresses";
import { createTestDatabase, type Provider } from "../test/support/database";
import { startDnsServer } from "../test/support/dns-server";
import { createTenantRow } from "../test/support/gateway-data";
import { largeMessage } from "../test/support/large-message";
import { sendMail, startMta, TEST_INBOUND_DOMAIN } from "../test/support/mta";
import { benchPostgresUrl } from "./bench-env";

const sizeMb = Number(process.env.BENCH_LARGE_MB ?? 20);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? "1,10").split(",").map(Number);
const slots = Number(process.env.BENCH_LARGE_SLOTS ?? 2);
const providers: Provider[] = benchPostgresUrl() ? ["sqlite", "postgresql"] : ["sqlite"];
const MB = 1024 * 1024;
/**
 * Idle is measured once the MTA has taken WARM_MESSAGES small messages, as a running gateway has: caches that any
 * traffic fills up to a bound, and that then stay, are closer to it. SQLite's page cache is one: 16 MB per
 * connection in better-sqlite3's build. Measured right after one small message, storing the first large message
 * grew the MTA by 15 MB more than its buffers, nearly all of it that cache filling up. The row also prints the
 * resident memory after the first message, the idle this bench used before.
 */
const WARM_MESSAGES = 200;
const WARM_SENDERS = 10;

/** VmRSS / VmHWM of a process, in bytes. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

async function row(provider: Provider, concurrency: number): Promise<string> {
  const database = await createTestDatabase(provider);
  const dns = await startDnsServer();
  dns.set("sender.bench.example", [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }]);
  const slug = `mem${randomBytes(3).toString("hex")}`;
  await createTenantRow(database.db, slug);
  const rcpt = tenantMailbox(slug, TEST_INBOUND_DOMAIN);
  const mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address, env: { SMTP_MAX_CONNECTIONS_PER_IP: "50", LARGE_MESSAGE_SLOTS: String(slots) } });
  try {
    const warm = async (n: number) => {
      const r = await sendMail(mta, { from: "warm@sender.bench.example", to: [rcpt], data: largeMessage({ id: `warm-${slug}-${n}`, attachmentBytes: 1024 }).raw });
      if (r.final?.code !== 250) throw new Error(`warm-up refused: ${r.final?.text ?? r.mail.text}`);
    };
    await warm(0);
    await new Promise((r) => setTimeout(r, 1_000));
    const coldIdle = memoryOf(mta.pid).rss;
    for (let n = 1; n < WARM_MESSAGES; n += WARM_SENDERS) {
      await Promise.all(Array.from({ length: Math.min(WARM_SENDERS, WARM_MESSAGES - n) }, (_, i) => warm(n + i)));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const idle = memoryOf(mta.pid).rss;
    // The warm-up's own high-water mark is not the large messages' (proc(5): writing 5 resets VmHWM to VmRSS).
    writeFileSync(`/proc/${mta.pid}/clear_refs`, "5");
    const messages = Array.from({ length: concurrency }, (_, i) =>
      largeMessage({ id: `large-${slug}-${i}`, attachmentBytes: Math.round(sizeMb * MB * 0.75) - 64 * 1024 }),
    );
    const bytes = messages.reduce((n, m) => n + m.raw.length, 0);
    let retries = 0;
    const t0 = performance.now();
    await Promise.all(
      messages.map(async (m) => {
        for (let attempt = 0; attempt < 120; attempt++) {
          // A reply slower than the client's 90 s wait counts as a temporary failure; the retry is recognised as a
          // duplicate if the first copy was stored after all.
          const r = await sendMail(mta, { from: "big@sender.bench.example", to: [rcpt], data: m.raw, mailParams: `SIZE=${m.raw.length}` }).catch(() => null);
          const code = r ? (r.final?.code ?? r.rcpt[0]?.code ?? r.mail.code) : 451;
          if (code === 250) return;
          if (code < 400 || code >= 500) throw new Error(`refused for good: ${code} ${r?.final?.text ?? r?.mail.text ?? ""}`);
          retries++;
          await new Promise((res) => setTimeout(res, 1_000));
        }
        throw new Error("still deferred after 120 tries");
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const { hwm } = memoryOf(mta.pid);
    const above = hwm - idle;
    const inFlight = Math.min(concurrency, slots) * messages[0]!.raw.length;
    return (
      `MEMORY [${provider}] ${concurrency} x ${(messages[0]!.raw.length / MB).toFixed(1)} MB at once: idle=${(idle / MB).toFixed(0)} MB ` +
      `(${(coldIdle / MB).toFixed(0)} MB after its first message) ` +
      `peak=${(hwm / MB).toFixed(0)} MB above-idle=${(above / MB).toFixed(0)} MB = ${(above / inFlight).toFixed(2)}x the ${(inFlight / MB).toFixed(0)} MB in flight ` +
      `(${Math.min(concurrency, slots)} of ${concurrency}, LARGE_MESSAGE_SLOTS=${slots}; ${(above / bytes).toFixed(2)}x the ${(bytes / MB).toFixed(0)} MB sent; ` +
      `4xx-retries=${retries}, ${seconds.toFixed(1)} s)`
    );
  } finally {
    await mta.stop();
    await dns.close();
    await database.drop();
  }
}

for (const provider of providers) {
  for (const c of concurrencies) console.log(await row(provider, c));
}
