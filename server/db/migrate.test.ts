import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { applyMigrations, readMigrations } from "./migrate";
import { createDb } from "./client";
import { testProviders } from "../../test/support/database";
import type { Env } from "../env";

/** An empty database of the provider (no migrations applied) and a way to drop it. */
async function emptyDatabase(provider: Env["database"]["provider"]) {
  if (provider === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "opsmerge-migrate-"));
    return {
      database: { provider, url: `file:${path.join(dir, "m.db")}` } as const,
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const admin = process.env.TEST_POSTGRES_URL!;
  const name = `opsmerge_migrate_${randomBytes(5).toString("hex")}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    database: { provider, url: u.toString() } as const,
    drop: async () => {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}

describe.each(testProviders())("migrations on %s", (provider) => {
  it("applies every migration exactly once when several processes start at the same moment", async () => {
    const { database, drop } = await emptyDatabase(provider);
    try {
      const runs = await Promise.all([applyMigrations(database), applyMigrations(database), applyMigrations(database)]);
      const all = readMigrations(provider).map((m) => m.name);
      // One starter applied everything; the others waited for the lock and found nothing to do.
      expect(runs.flat().sort()).toEqual([...all].sort());
      expect(runs.filter((r) => r.length > 0)).toHaveLength(1);
      expect(await applyMigrations(database)).toEqual([]);
      const db = createDb(database);
      try {
        expect(await db.tenant.count()).toBe(0);
      } finally {
        await db.$disconnect();
      }
    } finally {
      await drop();
    }
  });
});
