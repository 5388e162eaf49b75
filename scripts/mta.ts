/**
 * Runs the MTA (Haraka) in the foreground: `node --import tsx scripts/mta.ts` (what `npm start` runs).
 *
 * 1. validates the environment (server/env.ts);
 * 2. generates a self-signed STARTTLS certificate into DATA_DIR/tls on first start unless SMTP_TLS_CERT/KEY are set;
 * 3. applies migrations — when the database is unreachable it starts anyway and answers 451 until it is back
 *    (the bridge retries the migrations), so senders queue mail instead of it being refused;
 * 4. starts Haraka in this process with mta/ as its install directory. This process was started with the tsx
 *    loader, so the plugins' require() of server/*.ts works (see mta/README.md);
 * 5. starts the background jobs (server/mta/background-jobs.ts): the outbound delivery worker unless
 *    OUTBOUND_DELIVERY=off, the sending-domain re-check and the activity purge, all on the process's one client.
 *
 * SMTP_WORKERS > 1 (Haraka's cluster mode): this process is the primary; Haraka forks the workers from this same
 * script (node:cluster re-runs it with the same --import tsx), which skip steps 2 and 3 (done by the primary
 * before it forked them), listen on the shared port and run only the outbound worker; the primary runs only the
 * periodic jobs (background-jobs.ts says why).
 *
 * SIGTERM/SIGINT: stop listening and claiming, give back outbound jobs not yet at the end of DATA, let in-flight
 * messages commit and in-flight deliveries record their reply, close the database, exit. A primary first asks
 * every worker to do so (an IPC message) and waits for them to exit.
 */
import cluster from "node:cluster";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type * as Env from "../server/env";
import type * as Migrate from "../server/db/migrate";
import type * as Tls from "../server/mta/tls-certificate";
import type * as Bridge from "../server/mta/bridge";
import type * as Jobs from "../server/mta/background-jobs";
import type * as DataDir from "../server/data-dir/protect-data-dir";
import type * as Settings from "../server/mta/mta-settings";

const root = path.resolve(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
// Every module of server/ is loaded through require(): the same CommonJS instances the Haraka plugins get, so
// the process has one environment, one runtime and one database client (server/mta/runtime.ts).
const { loadEnv } = require("../server/env.ts") as typeof Env;
const { applyMigrations } = require("../server/db/migrate.ts") as typeof Migrate;
const { ensureTlsCertificate } = require("../server/mta/tls-certificate.ts") as typeof Tls;
const { protectDataDir, sqliteFileOf } = require("../server/data-dir/protect-data-dir.ts") as typeof DataDir;
const { spoolDir } = require("../server/mta/mta-settings.ts") as typeof Settings;

function log(line: string): void {
  console.log(`[mta] ${line}`);
}

/** Set by the primary for the workers it forks (they inherit its environment): migrations were applied. */
const SCHEMA_READY_MARK = "OPSMERGE_MTA_SCHEMA_READY";
/** The IPC message a primary sends its workers on SIGTERM/SIGINT. */
const STOP_MESSAGE = "opsmerge:stop";

async function main(): Promise<void> {
  const env = loadEnv();
  // Relative paths (prisma/migrations, DATA_DIR) are the project root's, whoever started us.
  process.chdir(root);
  // The bridge is the plugins' own instance, so the state set here (schema ready) is the state they see.
  const bridge = require("../server/mta/bridge.ts") as typeof Bridge;
  const role: Jobs.MtaProcessRole = cluster.isWorker ? "worker" : env.SMTP_WORKERS > 1 ? "primary" : "single";

  if (role === "worker") {
    if (process.env[SCHEMA_READY_MARK] === "1") bridge.markSchemaReady();
  } else {
    protectDataDir(env.DATA_DIR, sqliteFileOf(env.database));
    mkdirSync(spoolDir(env), { recursive: true, mode: 0o700 });
    const tls = await ensureTlsCertificate(env);
    if (tls.created) log(`generated a self-signed STARTTLS certificate: ${tls.cert}`);
    try {
      const applied = await applyMigrations(env.database);
      if (applied.length) log(`applied migrations: ${applied.join(", ")}`);
      bridge.markSchemaReady();
      process.env[SCHEMA_READY_MARK] = "1";
    } catch (err) {
      console.error(
        `[mta] database unreachable at start (${err instanceof Error ? err.message : String(err)}); ` +
          "answering 451 until it is back",
      );
    }
    if (role === "primary") log(`cluster mode: ${env.SMTP_WORKERS} SMTP worker processes`);
  }

  process.env.HARAKA = path.join(root, "mta");
  // mta/config/<name>.js modules supply smtp.ini, connection.ini, tls.ini, log.ini from the environment.
  process.env.HARAKA_JS_CONFIG = "1";
  require("Haraka/haraka.js");
  const server = require("Haraka/server.js") as { stopListeners(): void };

  const levels = ["debug", "info", "warn", "error"] as const;
  const shown = levels.indexOf(env.LOG_LEVEL);
  // Background jobs: outbound delivery, sending-domain DNS re-check (R-DOM-3), activity retention (R-ACT-2).
  const jobsModule = require("../server/mta/background-jobs.ts") as typeof Jobs;
  const jobs = jobsModule.startBackgroundJobs((level, message) => {
    if (levels.indexOf(level) < shown) return;
    (level === "error" || level === "warn" ? console.error : console.log)(`[mta] ${message}`);
  }, role);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A worker asked by its primary after its own signal (Ctrl-C reaches the whole process group): already on it.
      if (signal === STOP_MESSAGE) return;
      process.exit(1);
    }
    stopping = true;
    if (role !== "worker" || signal !== STOP_MESSAGE) log(`${signal}: stopping`);
    server.stopListeners();
    // Haraka's own SIGINT handler may exit first; either way nothing was answered 250 without a commit, and an
    // outbound job cut short is recovered from its lease (server/outbound/deliver-job.ts).
    void stopWorkers()
      .then(() => jobsModule.stopBackgroundJobs(jobs))
      .catch((err: unknown) => console.error(`[mta] stopping the background jobs failed: ${String(err)}`))
      .then(() => bridge.shutdown((m) => console.error(`[mta] ${m}`)))
      .finally(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  if (role === "worker") process.on("message", (m) => m === STOP_MESSAGE && stop(STOP_MESSAGE));
  // Haraka's own SIGINT handler exits at once without closing the database: replace it with the orderly stop.
  process.removeAllListeners("SIGINT");
  process.on("SIGINT", () => stop("SIGINT"));
}

/** On a cluster primary: asks every worker to stop (each finishes its own work) and waits for them to exit. */
async function stopWorkers(): Promise<void> {
  if (!cluster.isPrimary) return;
  // Haraka restarts a worker that exits on a signal or an error: not while we are stopping.
  cluster.removeAllListeners("exit");
  const workers = Object.values(cluster.workers ?? {}).flatMap((w) => (w && !w.isDead() ? [w] : []));
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            w.kill("SIGKILL");
            resolve();
          }, 20_000);
          w.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          w.send(STOP_MESSAGE);
        }),
    ),
  );
}

main().catch((err: unknown) => {
  console.error("[mta] failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
