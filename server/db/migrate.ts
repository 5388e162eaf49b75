/**
 * Applies prisma/migrations/<provider>/<name>/migration.sql in name order, each once, recorded in
 * `_gateway_migrations`. Safe when several processes start at once: SQLite takes the write lock up front
 * (BEGIN IMMEDIATE) and PostgreSQL an advisory lock, so the second starter waits and then finds nothing to do.
 * Prisma's own `migrate deploy` cannot run on PostgreSQL here (see STACK.md), so both providers use this.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { Env } from "../env";

export type Migration = { name: string; sql: string };

const LOCK_KEY = 7_312_004_211; // any fixed bigint: the advisory lock all gateway processes agree on

export function migrationsDir(): string {
  // The project root holds prisma/; processes are started from it (npm scripts, Haraka, tests).
  const fromCwd = path.resolve("prisma/migrations");
  if (existsSync(fromCwd)) return fromCwd;
  return path.resolve(import.meta.dirname, "../../prisma/migrations");
}

export function readMigrations(provider: Env["database"]["provider"], dir = migrationsDir()): Migration[] {
  const base = path.join(dir, provider);
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => ({ name, sql: readFileSync(path.join(base, name, "migration.sql"), "utf8") }));
}

/** Returns the names of the migrations this call applied (empty when the database was up to date). */
export async function applyMigrations(database: Env["database"]): Promise<string[]> {
  const migrations = readMigrations(database.provider);
  return database.provider === "sqlite"
    ? applySqlite(database.url.replace(/^file:/, ""), migrations)
    : applyPostgres(database.url, migrations);
}

function applySqlite(file: string, migrations: Migration[]): string[] {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { timeout: 30_000 });
  try {
    // WAL lets the web process read while Haraka writes; it is a property of the file, so set it once here.
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec(`CREATE TABLE IF NOT EXISTS "_gateway_migrations" (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
    const applied: string[] = [];
    db.exec("BEGIN IMMEDIATE");
    try {
      const done = new Set(
        (db.prepare(`SELECT name FROM "_gateway_migrations"`).all() as { name: string }[]).map((r) => r.name),
      );
      for (const m of migrations) {
        if (done.has(m.name)) continue;
        db.exec(m.sql);
        db.prepare(`INSERT INTO "_gateway_migrations" (name, applied_at) VALUES (?, ?)`).run(
          m.name,
          new Date().toISOString(),
        );
        applied.push(m.name);
      }
      db.exec("COMMIT");
    } catch (err) {
      db.exec("ROLLBACK");
      throw err;
    }
    return applied;
  } finally {
    db.close();
  }
}

async function applyPostgres(url: string, migrations: Migration[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS "_gateway_migrations" (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ name: string }>(`SELECT name FROM "_gateway_migrations"`);
      const done = new Set(rows.map((r) => r.name));
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.name)) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query(`INSERT INTO "_gateway_migrations" (name) VALUES ($1)`, [m.name]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.name);
      }
      return applied;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}
