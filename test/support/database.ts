/**
 * Real databases for tests: a fresh SQLite file, and a fresh PostgreSQL database on the server named by
 * TEST_POSTGRES_URL when it is set. Migrations are applied the way the product applies them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { applyMigrations } from "../../server/db/migrate";
import { createDb, type Db, type DbOptions } from "../../server/db/client";
import type { Env } from "../../server/env";

export type Provider = Env["database"]["provider"];

export type TestDatabase = {
  provider: Provider;
  database: Env["database"];
  /** The value to give the product as DATABASE_URL. */
  url: string;
  db: Db;
  drop(): Promise<void>;
};

/** The providers the database tests run on: SQLite always, PostgreSQL when TEST_POSTGRES_URL is set. */
export function testProviders(): Provider[] {
  return process.env.TEST_POSTGRES_URL ? ["sqlite", "postgresql"] : ["sqlite"];
}

/**
 * The web process's options (server/web/runtime.ts). A test that acts as a technician beside a running MTA opens
 * its client with these: its transactions read, then write, while the MTA commits to the same SQLite file, and
 * without `BEGIN IMMEDIATE` such a transaction fails at once with "database is locked" when the MTA committed in
 * between (server/db/client.ts, shareConnection).
 */
export const WEB_PROCESS_DB_OPTIONS: DbOptions = { beginImmediate: true };

/** `options` open the client as a process of the product does (e.g. the MTA's MTA_DB_OPTIONS); the default is plain. */
export async function createTestDatabase(provider: Provider, options: DbOptions = {}): Promise<TestDatabase> {
  if (provider === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "opsmerge-test-"));
    const url = `file:${path.join(dir, "test.db")}`;
    const database = { provider, url } as const;
    await applyMigrations(database);
    const db = createDb(database, options);
    return {
      provider,
      database,
      url,
      db,
      drop: async () => {
        await db.$disconnect();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const admin = process.env.TEST_POSTGRES_URL;
  if (!admin) throw new Error("TEST_POSTGRES_URL is not set");
  const name = `opsmerge_test_${randomBytes(6).toString("hex")}`;
  const server = new pg.Client({ connectionString: admin });
  await server.connect();
  await server.query(`CREATE DATABASE ${name}`);
  await server.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  const database = { provider, url } as const;
  await applyMigrations(database);
  const db = createDb(database, { ...options, poolSize: 5 });
  return {
    provider,
    database,
    url,
    db,
    drop: async () => {
      await db.$disconnect();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
