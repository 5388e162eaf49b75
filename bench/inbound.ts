/**
 * `npm run bench:inbound` (R-IN-12): inbound throughput and receipt→commit latency of the full pipeline
 * (SPF/DKIM/DMARC against a local DNS server, blocklist, routing, threading, ticket + activity commit) on SQLite
 * and on PostgreSQL, next to a bare Haraka that only accepts and discards and a Haraka that only parses and
 * authenticates (the product's CPU work before any database write), all measured in one run.
 *
 * A last row repeats the SQLite pipeline with a real rspamd scanning every message (R-SPAM-1) and prints its cost
 * per message; BENCH_RSPAMD=0 leaves it out.
 *
 * Options (env): BENCH_MESSAGES (default 2000), BENCH_SESSIONS (20), BENCH_RATE (100 msg/s for the latency
 * phase), BENCH_LATENCY_SECONDS (20), BENCH_POSTGRES_URL or TEST_POSTGRES_URL (adds the PostgreSQL rows),
 * BENCH_SMTP_WORKERS (`1,2`: a full-pipeline row per SMTP_WORKERS value, per database).
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
import { benchPostgresUrl } from "./bench-env";
import { parsePrometheusText, sampleValue } from "../test/support/prometheus-text";
import { measureWhileLarge } from "./large-mail-load";

const root = path.resolve(import.meta.dirname, "..");
const total = Number(process.env.BENCH_MESSAGES ?? 2000);
const sessions = Number(process.env.BENCH_SESSIONS ?? 20);
const rate = Number(process.env.BENCH_RATE ?? 100);
const latencySeconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
const postgresUrl = benchPostgresUrl();
/** SMTP_WORKERS of the full-pipeline rows: one process (the test default) and Haraka's cluster mode. */
const workerCounts = (process.env.BENCH_SMTP_WORKERS ?? "1,2").split(",").map(Number).filter((n) => n >= 1);

/** The bench mail as the load generator sends it. */
async function signedMessages(count: number, rcptTo: string, tag: string): Promise<LoadMessage[]> {
  return (await benchMessages(count, rcptTo, tag)).map((m) => ({ mailFrom: m.mailFrom, rcptTo, data: m.raw }));
}

type Haraka = { port: number; stop: () => Promise<void> };

/**
 * A Haraka of its own from a temp config dir: Haraka's shipped defaults (connection.ini etc.), then only `plugins`
 * (files in `pluginFiles` go to <dir>/plugins/) and a recipient-domain check for `domain`. `nodeArgs` go before
 * Haraka's own script, e.g. `--import tsx` so that a plugin can require() the repo's .ts files.
 */
async function startHaraka(
  domain: string,
  setup: { plugins: string[]; pluginFiles?: Record<string, string>; nodeArgs?: string[]; env?: Record<string, string> },
): Promise<Haraka> {
  const dir = mkdtempSync(path.join(tmpdir(), "opsmerge-bench-haraka-"));
  const port = await deadPort();
  mkdirSync(path.join(dir, "plugins"), { recursive: true });
  for (const [name, code] of Object.entries(setup.pluginFiles ?? {})) writeFileSync(path.join(dir, "plugins", name), code);
  cpSync(path.join(root, "node_modules/Haraka/config"), path.join(dir, "config"), { recursive: true });
  writeFileSync(path.join(dir, "config/plugins"), `${setup.plugins.join("\n")}\n`);
  writeFileSync(path.join(dir, "config/host_list"), `${domain}\n`);
  writeFileSync(path.join(dir, "config/smtp.ini"), `[main]\nlisten=127.0.0.1:${port}\n`);
  writeFileSync(path.join(dir, "config/log.ini"), "[main]\nlevel=warn\n");
  const haraka = path.join(root, "node_modules/Haraka/bin/haraka");
  const child = spawn(process.execPath, [...(setup.nodeArgs ?? []), haraka, "-c", dir], {
    env: { ...process.env, ...setup.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 120_000; // tsx compiles the plugin's requires on start: slow on a busy machine
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
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`Haraka (${setup.plugins.join(", ")}) did not start:\n${output}`);
      }
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

/** Haraka with nothing but a recipient-domain check and a discard queue: the ceiling on this machine. */
function startBareHaraka(domain: string): Promise<Haraka> {
  return startHaraka(domain, { plugins: ["rcpt_to.in_host_list", "queue/discard"], env: { YES_REALLY_DO_DISCARD: "1" } });
}

/**
 * Haraka plus the product's mandatory CPU work per message — MIME parsing and SPF/DKIM/DMARC/ARC authentication,
 * the same calls in the same order as server/inbound/ingest-inbound.ts — and no database. No full-pipeline setup
 * can beat this row whatever its database does, so it shows how much of the gap to bare Haraka is not the
 * database's. The plugin answers 451 unless SPF, DKIM and DMARC all pass, so every accepted message is known to
 * have taken the passing path (a failing path would be cheaper and measure nothing useful).
 */
function startAuthOnlyHaraka(domain: string, dnsAddress: string): Promise<Haraka> {
  const source = (file: string) => JSON.stringify(path.join(root, file));
  // CommonJS in Haraka's plugin sandbox (OK/CONT/DENYSOFT are its globals); tsx compiles the required .ts files.
  const plugin = `
const { parseMessage } = require(${source("server/mail/parse-message.ts")});
const { authenticateMessage } = require(${source("server/mail/authenticate.ts")});
const { cachingResolver, createResolver } = require(${source("server/dns/resolver.ts")});
const DSN = require("haraka-dsn");
// As the MTA does (server/mta/runtime.ts, DNS_CACHE_SECONDS at its default).
const resolver = cachingResolver(createResolver({ servers: [process.env.BENCH_AUTH_DNS_SERVER] }), { ttlMs: 60_000 });
const tempfail = (message) => DSN.create(451, message, 3, 0);

exports.register = function () {
  this.register_hook("data_post", "authenticate");
  this.register_hook("queue", "confirm");
};

exports.authenticate = function (next, connection) {
  const txn = connection.transaction;
  txn.message_stream.get_data({ dot_stuffed: true }, (raw) => {
    (async () => {
      await parseMessage(raw);
      const auth = await authenticateMessage({
        raw,
        ip: connection.remote.ip,
        helo: connection.hello.host || "",
        mailFrom: (txn.mail_from && txn.mail_from.address) || "",
        resolver,
        trustedArcSealers: [],
      });
      const verdicts = "spf=" + auth.spf + " dkim=" + auth.dkim + " dmarc=" + auth.dmarc;
      if (auth.spf !== "pass" || auth.dkim !== "pass" || auth.dmarc !== "pass") {
        return next(DENYSOFT, tempfail("not authenticated: " + verdicts));
      }
      txn.notes.bench_authenticated = verdicts;
      next(CONT);
    })().catch((err) => next(DENYSOFT, tempfail("parse/authenticate failed: " + err.message)));
  });
};

exports.confirm = function (next, connection) {
  const verdicts = connection.transaction.notes.bench_authenticated;
  if (verdicts) next(OK, "authenticated, " + verdicts);
  else next(DENYSOFT, tempfail("not authenticated"));
};
`;
  return startHaraka(domain, {
    plugins: ["rcpt_to.in_host_list", "bench_auth_only"],
    pluginFiles: { "bench_auth_only.js": plugin },
    nodeArgs: ["--import", "tsx"],
    env: { BENCH_AUTH_DNS_SERVER: dnsAddress },
  });
}

type Row = { setup: string; throughput: LoadResult; latency: LoadResult };

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
    percentile(r.latency.latencies, 50).toFixed(1),
    percentile(r.latency.latencies, 99).toFixed(1),
    percentile(r.throughput.latencies, 50).toFixed(1),
    percentile(r.throughput.latencies, 99).toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}

/** Both load phases against one server: as fast as the sessions go (throughput), then paced at `rate` msg/s (latency). */
async function measure(setup: string, tag: string, host: string, port: number): Promise<Row> {
  const rcpt = tenantMailbox("bench", TEST_INBOUND_DOMAIN);
  const throughput = await runLoad({ host, port, sessions, messages: await signedMessages(total, rcpt, tag) });
  const latency = await runLoad({
    host,
    port,
    sessions,
    ratePerSecond: rate,
    messages: await signedMessages(rate * latencySeconds, rcpt, `${tag}-lat`),
  });
  return { setup, throughput, latency };
}

/**
 * The MTA's event-loop delay since the last call (its /metrics, issue 15 item 8: how long one turn of the loop held
 * every session), in ms; "?" when the MTA printed no metrics address.
 */
async function eventLoopDelay(mtaOutput: string): Promise<{ max: string; p99: string }> {
  const address = /OPSMERGE_MTA_METRICS (\S+)/.exec(mtaOutput)?.[1];
  if (!address) return { max: "?", p99: "?" };
  const exposition = parsePrometheusText(await (await fetch(`http://${address}/metrics`)).text());
  const stat = (name: string) => {
    const seconds = sampleValue(exposition, "opsmerge_event_loop_delay_seconds", { stat: name });
    return seconds === undefined ? "?" : (seconds * 1000).toFixed(1);
  };
  return { max: stat("max"), p99: stat("p99") };
}

/** The first few non-250 replies or errors of both phases, "" when there were none. */
const firstFailures = (row: Row) => [...row.throughput.firstFailures, ...row.latency.firstFailures].slice(0, 3).join(" | ");

async function main(): Promise<void> {
  const dns = await startDnsServer(benchDnsRecords);
  const rows: Row[] = [];
  console.log(`inbound benchmark: ${total} messages over ${sessions} sessions; latency at ${rate} msg/s for ${latencySeconds} s`);
  const domain = `bench.${TEST_INBOUND_DOMAIN}`;

  // The ceiling: bare Haraka, accept and discard.
  const bare = await startBareHaraka(domain);
  try {
    rows.push(await measure("bare Haraka (discard)", "bare", "127.0.0.1", bare.port));
    console.log(`  bare Haraka done`);
  } finally {
    await bare.stop();
  }

  // The ceiling of the product: its parse + authenticate work on top of Haraka, before any database write.
  const authOnly = await startAuthOnlyHaraka(domain, dns.address);
  try {
    const row = await measure("Haraka + parse + authenticate (no database)", "auth", "127.0.0.1", authOnly.port);
    const sent = row.throughput.sent + row.latency.sent;
    const passed = row.throughput.accepted + row.latency.accepted;
    if (passed !== sent) {
      throw new Error(`parse + authenticate: ${passed} of ${sent} messages passed SPF, DKIM and DMARC: ${firstFailures(row)}`);
    }
    rows.push(row);
    console.log(`  Haraka + parse + authenticate done: ${passed}/${sent} messages spf=pass dkim=pass dmarc=pass`);
  } finally {
    await authOnly.stop();
  }

  const providers: Provider[] = postgresUrl ? ["sqlite", "postgresql"] : ["sqlite"];
  for (const [provider, smtpWorkers] of providers.flatMap((p) => workerCounts.map((w) => [p, w] as const))) {
    const database = await createTestDatabase(provider);
    const tenant = await createTenantRow(database.db, "bench", { autoAckEnabled: false });
    await createClientRow(database.db, tenant.id, { name: "Bench Client", primaryDomain: benchSenderDomain });
    const mta = await startMta({
      databaseUrl: database.url,
      dnsServers: dns.address,
      env: { SMTP_MAX_CONNECTIONS_PER_IP: "200", SMTP_WORKERS: String(smtpWorkers) },
    });
    try {
      const setup = `full pipeline, ${provider}${smtpWorkers > 1 ? `, SMTP_WORKERS=${smtpWorkers}` : ""}`;
      const row = await measure(setup, `${provider}-w${smtpWorkers}`, mta.host, mta.port);
      const tickets = await database.db.ticket.count({ where: { tenantId: tenant.id } });
      const stored = await database.db.message.count({ where: { tenantId: tenant.id } });
      const accepted = row.throughput.accepted + row.latency.accepted;
      console.log(`  ${setup} done: accepted ${accepted}, stored ${stored} messages in ${tickets} tickets`);
      if (firstFailures(row)) console.log(`  first failures: ${firstFailures(row)}`);
      rows.push(row);
      // Issue 15's row: small mail while a 20 MB message and a 20 MB (uncompressed) DMARC report are processed.
      await eventLoopDelay(mta.output()); // starts the MTA's measuring window
      const large = await measureWhileLarge(mta.host, mta.port, "bench", await signedMessages(rate * latencySeconds, tenantMailbox("bench", TEST_INBOUND_DOMAIN), `${provider}-big`), rate, sessions);
      rows.push({ setup: `small mail during 20 MB mail + 20 MB DMARC report, ${provider}${smtpWorkers > 1 ? `, SMTP_WORKERS=${smtpWorkers}` : ""}`, throughput: large.latency, latency: large.latency });
      const held = await eventLoopDelay(mta.output());
      console.log(
        `  ${provider} under large mail done: ${large.bigAccepted}/${large.bigSent} large mails accepted ` +
          `(${(large.mailBytes / 1e6).toFixed(1)} MB message, ${(large.xmlBytes / 1e6).toFixed(1)} MB report XML); ` +
          `the MTA's event loop meanwhile: longest delay ${held.max} ms, p99 ${held.p99} ms`,
      );
      if (large.bigRefused.size) {
        const refused = [...large.bigRefused].map(([answer, n]) => `${n} x ${answer}`).join(" | ");
        console.log(`  large mails not accepted (the loop sends again): ${refused}`);
        // Why, in the MTA's words: its errors and warnings (LOG_LEVEL warn), the last few distinct ones.
        const reasons = [...new Set(mta.output().split("\n").filter((l) => /\[(CRIT|ERROR|WARN)\]/.test(l)).map((l) => l.replace(/^.*?\[(CRIT|ERROR|WARN)\]/, "[$1]").slice(-400)))];
        for (const r of reasons.slice(-5)) console.log(`    mta: ${r}`);
      }
      if (large.latency.firstFailures.length) console.log(`  first failures: ${large.latency.firstFailures.slice(0, 3).join(" | ")}`);
    } finally {
      await mta.stop();
      await database.drop();
    }
  }
  // R-SPAM-1: the same full pipeline on SQLite with every message scanned by a real rspamd (BENCH_RSPAMD=0 skips).
  const spamRow = process.env.BENCH_RSPAMD === "0" ? null : await measureWithRspamd(dns.address);
  if (spamRow) rows.push(spamRow);
  await dns.close();

  console.log("");
  console.log(format(rows));
  const plain = rows.find((r) => r.setup === "full pipeline, sqlite");
  if (spamRow && plain) {
    const perMessage = (r: Row) => r.throughput.elapsedMs / Math.max(1, r.throughput.accepted);
    const p50 = (r: Row) => percentile(r.latency.latencies, 50);
    console.log(
      `rspamd cost per message (SQLite): ${(perMessage(spamRow) - perMessage(plain)).toFixed(2)} ms of throughput time, ` +
        `${(p50(spamRow) - p50(plain)).toFixed(1)} ms more p50 latency at ${rate}/s`,
    );
  }
  console.log("");
  console.log("latency = end of DATA → 250 as the client sees it; the gateway answers 250 only after the commit.");
  console.log("\"small mail during …\" rows: the paced phase only (its msg/s is the pacing), while the two large mails are sent in a loop.");
}

/** The SQLite full pipeline with RSPAMD_URL set: rspamd from test/support/spam-engines.ts, started for this row. */
async function measureWithRspamd(dnsAddress: string): Promise<Row | null> {
  const { startRspamd, removeEngineDir } = await import("../test/support/spam-engines");
  const rspamd = await startRspamd().catch((err: unknown) => {
    console.log(`  rspamd row skipped: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    return null;
  });
  if (!rspamd) return null;
  const database = await createTestDatabase("sqlite");
  const tenant = await createTenantRow(database.db, "bench", { autoAckEnabled: false });
  await createClientRow(database.db, tenant.id, { name: "Bench Client", primaryDomain: benchSenderDomain });
  const mta = await startMta({
    databaseUrl: database.url,
    dnsServers: dnsAddress,
    env: { SMTP_MAX_CONNECTIONS_PER_IP: "200", RSPAMD_URL: rspamd.url },
  });
  try {
    const row = await measure("full pipeline, sqlite + rspamd", "rspamd", mta.host, mta.port);
    const held = await database.db.quarantinedMessage.count({ where: { tenantId: tenant.id } });
    const stored = await database.db.message.count({ where: { tenantId: tenant.id } });
    console.log(`  sqlite + rspamd done: stored ${stored} messages, ${held} held as spam`);
    return row;
  } finally {
    await mta.stop();
    await database.drop();
    await rspamd.stop();
    removeEngineDir(rspamd);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
