/**
 * `npm run bench:inbound` (R-IN-12): inbound throughput and receipt→commit latency of the full pipeline
 * (SPF/DKIM/DMARC against a local DNS server, blocklist, routing, threading, ticket + activity commit) on SQLite
 * and on PostgreSQL, next to a bare Haraka that only accepts and discards, all measured in one run.
 *
 * Options (env): BENCH_MESSAGES (default 2000), BENCH_SESSIONS (20), BENCH_RATE (100 msg/s for the latency
 * phase), BENCH_LATENCY_SECONDS (20), BENCH_POSTGRES_URL or TEST_POSTGRES_URL (adds the PostgreSQL rows).
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDnsServer } from "../test/support/dns-server";
import { benchDnsRecords, benchMessages, benchSenderDomain } from "./bench-mail";
import { createTestDatabase, type Provider } from "../test/support/database";
import { startMta, deadPort, TEST_INBOUND_DOMAIN } from "../test/support/mta";
import { createTenantRow, createClientRow } from "../test/support/gateway-data";
import { tenantMailbox } from "../server/mail/addresses";
import { runLoad, percentile, type LoadMessage, type LoadResult } from "./smtp-load";

const root = path.resolve(import.meta.dirname, "..");
const total = Number(process.env.BENCH_MESSAGES ?? 2000);
const sessions = Number(process.env.BENCH_SESSIONS ?? 20);
const rate = Number(process.env.BENCH_RATE ?? 100);
const latencySeconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
const postgresUrl = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL;
if (postgresUrl) process.env.TEST_POSTGRES_URL = postgresUrl;

/** The bench mail as the load generator sends it. */
async function signedMessages(count: number, rcptTo: string, tag: string): Promise<LoadMessage[]> {
  return (await benchMessages(count, rcptTo, tag)).map((m) => ({ mailFrom: m.mailFrom, rcptTo, data: m.raw }));
}

/** Haraka with nothing but a recipient-domain check and a discard queue: the ceiling on this machine. */
async function startBareHaraka(domain: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), "opsmerge-bare-haraka-"));
  const port = await deadPort();
  mkdirSync(path.join(dir, "plugins"), { recursive: true });
  // Haraka's shipped defaults (connection.ini etc.), then only what the bare setup changes.
  cpSync(path.join(root, "node_modules/Haraka/config"), path.join(dir, "config"), { recursive: true });
  writeFileSync(path.join(dir, "config/plugins"), "rcpt_to.in_host_list\nqueue/discard\n");
  writeFileSync(path.join(dir, "config/host_list"), `${domain}\n`);
  writeFileSync(path.join(dir, "config/smtp.ini"), `[main]\nlisten=127.0.0.1:${port}\n`);
  writeFileSync(path.join(dir, "config/log.ini"), "[main]\nlevel=warn\n");
  const child = spawn(process.execPath, [path.join(root, "node_modules/Haraka/bin/haraka"), "-c", dir], {
    env: { ...process.env, YES_REALLY_DO_DISCARD: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await new Promise<void>((resolve, reject) => {
        const s = connect({ host: "127.0.0.1", port }, () => {
          s.destroy();
          resolve();
        });
        s.once("error", reject);
      });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`bare Haraka did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    port,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Row = { setup: string; throughput: LoadResult; latency: LoadResult | null };

function format(rows: Row[]): string {
  const bare = rows.find((r) => r.setup.startsWith("bare"));
  const rateOf = (r: LoadResult) => (r.accepted / r.elapsedMs) * 1000;
  const header = [
    "setup",
    "msg/s",
    "% of bare",
    "accepted/sent",
    `p50 ms @${rate}/s`,
    `p99 ms @${rate}/s`,
    "p50 ms (max load)",
    "p99 ms (max load)",
  ];
  const lines = rows.map((r) => [
    r.setup,
    rateOf(r.throughput).toFixed(0),
    bare ? `${((rateOf(r.throughput) / rateOf(bare.throughput)) * 100).toFixed(0)}%` : "-",
    `${r.throughput.accepted}/${r.throughput.sent}`,
    r.latency ? percentile(r.latency.latencies, 50).toFixed(1) : "-",
    r.latency ? percentile(r.latency.latencies, 99).toFixed(1) : "-",
    percentile(r.throughput.latencies, 50).toFixed(1),
    percentile(r.throughput.latencies, 99).toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}

async function main(): Promise<void> {
  const dns = await startDnsServer(benchDnsRecords);
  const rows: Row[] = [];
  console.log(`inbound benchmark: ${total} messages over ${sessions} sessions; latency at ${rate} msg/s for ${latencySeconds} s`);

  // The ceiling: bare Haraka, accept and discard.
  const bareDomain = `bench.${TEST_INBOUND_DOMAIN}`;
  const bare = await startBareHaraka(bareDomain);
  try {
    const rcpt = tenantMailbox("bench", TEST_INBOUND_DOMAIN);
    const throughput = await runLoad({ host: "127.0.0.1", port: bare.port, sessions, messages: await signedMessages(total, rcpt, "bare") });
    const latency = await runLoad({
      host: "127.0.0.1",
      port: bare.port,
      sessions,
      ratePerSecond: rate,
      messages: await signedMessages(rate * latencySeconds, rcpt, "bare-lat"),
    });
    rows.push({ setup: "bare Haraka (discard)", throughput, latency });
    console.log(`  bare Haraka done`);
  } finally {
    await bare.stop();
  }

  const providers: Provider[] = postgresUrl ? ["sqlite", "postgresql"] : ["sqlite"];
  for (const provider of providers) {
    const database = await createTestDatabase(provider);
    const tenant = await createTenantRow(database.db, "bench", { autoAckEnabled: false });
    await createClientRow(database.db, tenant.id, { name: "Bench Client", primaryDomain: benchSenderDomain });
    const mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address, env: { SMTP_MAX_CONNECTIONS_PER_IP: "200" } });
    try {
      const rcpt = tenantMailbox("bench", TEST_INBOUND_DOMAIN);
      const throughput = await runLoad({ host: mta.host, port: mta.port, sessions, messages: await signedMessages(total, rcpt, provider) });
      const latency = await runLoad({
        host: mta.host,
        port: mta.port,
        sessions,
        ratePerSecond: rate,
        messages: await signedMessages(rate * latencySeconds, rcpt, `${provider}-lat`),
      });
      const tickets = await database.db.ticket.count({ where: { tenantId: tenant.id } });
      const stored = await database.db.message.count({ where: { tenantId: tenant.id } });
      const accepted = throughput.accepted + latency.accepted;
      console.log(`  ${provider} done: accepted ${accepted}, stored ${stored} messages in ${tickets} tickets`);
      if (throughput.firstFailures.length || latency.firstFailures.length) {
        console.log(`  first failures: ${[...throughput.firstFailures, ...latency.firstFailures].slice(0, 3).join(" | ")}`);
      }
      rows.push({ setup: `full pipeline, ${provider}`, throughput, latency });
    } finally {
      await mta.stop();
      await database.drop();
    }
  }
  await dns.close();

  console.log("");
  console.log(format(rows));
  console.log("");
  console.log("latency = end of DATA → 250 as the client sees it; the gateway answers 250 only after the commit.");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
