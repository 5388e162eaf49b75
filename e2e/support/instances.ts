/**
 * The product instances the e2e tests run against: one per database provider, each started by the real start
 * command (`scripts/start.ts`) on its own ports, data directory and database. The run's directories and the
 * PostgreSQL database are made once, in the Playwright runner process; worker processes inherit the
 * environment variables that name them, so they find the same ones.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";

export const ADMIN_EMAIL = "admin@demo.local";
export const ADMIN_PASSWORD = "e2e-admin-password-0001";

export type Instance = {
  name: "sqlite" | "postgresql";
  port: number;
  smtpPort: number;
  mtaHealthPort: number;
  /** The MTA's /metrics listener (R-HEALTH-5). */
  mtaMetricsPort: number;
  dataDir: string;
  /** Given explicitly for SQLite too, so a DATABASE_URL in the caller's environment cannot leak in. */
  databaseUrl: string;
  provider: "sqlite" | "postgresql";
  baseURL: string;
};

const RUN_ENV = "OPSMERGE_E2E_RUN";

function runId(): string {
  process.env[RUN_ENV] ??= randomBytes(4).toString("hex");
  return process.env[RUN_ENV];
}

function dataDirFor(name: string): string {
  const key = `OPSMERGE_E2E_DATA_DIR_${name.toUpperCase()}`;
  process.env[key] ??= mkdtempSync(path.join(tmpdir(), `opsmerge-e2e-${name}-`));
  return process.env[key];
}

export function postgresDatabaseName(): string {
  return `opsmerge_e2e_${runId()}`;
}

function postgresUrl(admin: string): string {
  const url = new URL(admin);
  url.pathname = `/${postgresDatabaseName()}`;
  return url.toString();
}

export function instances(): Instance[] {
  const list: Instance[] = [];
  // Several checkouts on one machine (worktrees) run their suites side by side on shifted ports.
  const shift = Number(process.env.E2E_PORT_SHIFT ?? 0);
  const make = (name: Instance["name"], offset: number, databaseUrl: string): Instance => ({
    name,
    provider: name,
    port: 3101 + shift + offset,
    smtpPort: 2601 + shift + offset,
    mtaHealthPort: 2611 + shift + offset,
    mtaMetricsPort: 2661 + shift + offset,
    dataDir: dataDirFor(name),
    databaseUrl,
    baseURL: `http://127.0.0.1:${3101 + shift + offset}`,
  });
  list.push(make("sqlite", 0, `file:${path.join(dataDirFor("sqlite"), "opsmerge.db")}`));
  const admin = process.env.TEST_POSTGRES_URL;
  if (admin) list.push(make("postgresql", 1, postgresUrl(admin)));
  return list;
}

/** Creates this run's PostgreSQL database once (runner process only; workers see it already made). */
export async function preparePostgres(): Promise<void> {
  const admin = process.env.TEST_POSTGRES_URL;
  if (!admin || process.env.OPSMERGE_E2E_PG_READY) return;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${postgresDatabaseName()}`);
  } finally {
    await client.end();
  }
  process.env.OPSMERGE_E2E_PG_READY = "1";
}

export function instanceNamed(name: string): Instance {
  const found = instances().find((i) => name.startsWith(i.name));
  if (!found) throw new Error(`no e2e instance for project ${name}`);
  return found;
}
