/**
 * `npm start`: the whole product from a fresh clone. Builds the web app when its build is missing or older
 * than the sources, applies migrations, seeds the demo tenant and admin, then runs the web app and Haraka
 * side by side and stops both on Ctrl-C (or when either dies).
 *
 *   npm start                 web + MTA (production build)
 *   npm start -- --dev        web in `next dev` + MTA
 *   npm start -- --web-only   only the web app (a scale-out web node; same as NODE_ROLE=web)
 *   npm start -- --mta-only   only Haraka (a scale-out MTA node; same as NODE_ROLE=mta)
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { loadEnv } from "../server/env";
import { applyMigrations } from "../server/db/migrate";
import { createDb } from "../server/db/client";
import { seedDemo } from "../server/tenants/seed-demo";
import { tenantMailbox } from "../server/mail/addresses";
import { gatewayDkimFromEnv } from "../server/sending-domains/gateway-dkim";
import { buildWeb, webBuildIsCurrent } from "./web-build";
import { protectDataDir, sqliteFileOf } from "../server/data-dir/protect-data-dir";
import { mtaProcessEnv } from "../server/mta/process-env";

const root = path.resolve(import.meta.dirname, "..");
const args = new Set(process.argv.slice(2));
const dev = args.has("--dev");
// The flags set NODE_ROLE for the children (a web-only node's /api/health then skips the MTA probe); without a
// flag, NODE_ROLE itself picks the roles.
if (args.has("--web-only")) process.env.NODE_ROLE = "web";
else if (args.has("--mta-only")) process.env.NODE_ROLE = "mta";

process.env.NEXT_TELEMETRY_DISABLED = "1";
const env = loadEnv();
// Private before anything is opened; the children inherit the umask (server/data-dir/protect-data-dir.ts).
protectDataDir(env.DATA_DIR, sqliteFileOf(env.database));
const runWeb = env.NODE_ROLE !== "mta";
const runMta = env.NODE_ROLE !== "web";
// Both children must share the secret loadEnv may just have generated.
process.env.APP_SECRET = env.APP_SECRET;
process.env.DATA_DIR = env.DATA_DIR;

function log(line: string): void {
  console.log(`[start] ${line}`);
}

function buildIfNeeded(): void {
  if (dev || !runWeb || process.env.SKIP_BUILD === "1") return;
  if (webBuildIsCurrent()) {
    log("web build is current");
    return;
  }
  log("building the web app (next build)…");
  const started = Date.now();
  if (!buildWeb()) {
    console.error("[start] next build failed");
    process.exit(1);
  }
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const children: { name: string; child: ChildProcess }[] = [];
let markMtaReady: () => void = () => undefined;
/** Haraka prints OPSMERGE_MTA_READY once its listener is bound (mta/plugins/opsmerge_lifecycle.js). */
const mtaReady = new Promise<void>((resolve) => (markMtaReady = resolve));
let stopping = false;

function run(name: string, command: string, commandArgs: string[], env: NodeJS.ProcessEnv = process.env): void {
  const child = spawn(command, commandArgs, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  const prefix = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
    let buffered = "";
    stream.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (line.includes("OPSMERGE_MTA_READY")) markMtaReady();
        out.write(`[${name}] ${line}\n`);
      }
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`[start] ${name} exited (${signal ?? code}); stopping the rest`);
    stop(1);
  });
  children.push({ name, child });
}

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  const alive = children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
  if (alive.length === 0) process.exit(code);
  let left = alive.length;
  for (const { child } of alive) {
    child.once("exit", () => {
      if (--left === 0) process.exit(code);
    });
    child.kill("SIGTERM");
  }
  // Haraka drains connections on SIGTERM; don't wait for ever.
  setTimeout(() => {
    for (const { child } of alive) child.kill("SIGKILL");
    process.exit(code);
  }, 10_000).unref();
}

process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

async function waitForWeb(): Promise<boolean> {
  const url = `http://127.0.0.1:${env.PORT}/api/health`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url);
      if (res.status === 200 || res.status === 503) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

async function main(): Promise<void> {
  buildIfNeeded();

  const applied = await applyMigrations(env.database);
  log(
    applied.length
      ? `applied migrations: ${applied.join(", ")}`
      : `${env.database.provider} database is up to date`,
  );

  const db = createDb(env.database);
  const seeded = await seedDemo(db, { password: env.SEED_ADMIN_PASSWORD, inboundDomain: env.INBOUND_DOMAIN });
  await db.$disconnect();
  // The gateway's DKIM key (R-UX-1) exists before web and MTA start, so they never race to generate it.
  const gateway = gatewayDkimFromEnv(env);
  log(`gateway DKIM key ready: ${gateway.selector}._domainkey.${gateway.domain} (records: npx tsx scripts/gateway-records.ts)`);

  if (runMta) run("mta", process.execPath, ["--import", "tsx", path.join(root, "scripts/mta.ts")], mtaProcessEnv(process.env));
  if (runWeb) {
    // Next behind our own listener, which resolves the client address (scripts/web-server.ts).
    run("web", process.execPath, ["--import", "tsx", path.join(root, "scripts/web-server.ts"), ...(dev ? ["--dev"] : [])]);
  }

  if (runWeb && !(await waitForWeb())) {
    console.error("[start] the web app did not come up within 2 minutes");
    stop(1);
    return;
  }
  if (runMta) {
    const timedOut = await Promise.race([
      mtaReady.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), 120_000).unref()),
    ]);
    if (timedOut) {
      console.error("[start] the MTA did not come up within 2 minutes");
      stop(1);
      return;
    }
  }
  const login = seeded.password
    ? `${seeded.adminEmail} / ${seeded.password}`
    : `${seeded.adminEmail} (existing admin kept; its password is unchanged)`;
  console.log(
    [
      "",
      "  OpsMerge email gateway is running",
      runWeb ? `  Web:      ${env.APP_URL}` : null,
      runMta ? `  SMTP:     ${env.SMTP_HOST}:${env.SMTP_PORT}` : null,
      `  Database: ${env.database.provider}${env.database.provider === "sqlite" ? ` (${env.database.url.slice(5)})` : ""}`,
      `  Inbound:  ${tenantMailbox("demo", env.INBOUND_DOMAIN)}`,
      `  Login:    ${login}`,
      "  Ctrl-C stops everything.",
      "",
    ]
      .filter((l) => l !== null)
      .join("\n"),
  );
}

main().catch((err: unknown) => {
  console.error("[start] failed:", err instanceof Error ? err.message : err);
  stop(1);
});
