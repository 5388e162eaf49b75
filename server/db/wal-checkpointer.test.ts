import { statSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/database";
import { createTenantRow } from "../../test/support/gateway-data";
import { startWalCheckpointer } from "./wal-checkpointer";

const fileOf = (database: TestDatabase) => database.url.replace(/^file:/, "");

async function autocheckpointPages(database: TestDatabase): Promise<number> {
  const [row] =
    await database.db.$queryRawUnsafe<{ wal_autocheckpoint: bigint | number }[]>("PRAGMA wal_autocheckpoint");
  return Number(row!.wal_autocheckpoint);
}

/** About 1 MB of rows (some 250 pages) in a few transactions: far below either automatic threshold. */
async function writeSomePages(database: TestDatabase): Promise<void> {
  const tenant = await createTenantRow(database.db, "checkpoints");
  for (let batch = 0; batch < 5; batch++) {
    await database.db.$transaction(
      Array.from({ length: 50 }, (_, i) =>
        database.db.activityLog.create({
          data: {
            tenantId: tenant.id,
            direction: "INBOUND",
            outcome: "DELIVERED",
            reason: `${batch}-${i} ${"x".repeat(4_000)}`,
          },
        }),
      ),
    );
  }
}

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return condition();
}

describe("SQLite WAL checkpoints on a worker thread (the MTA's connection)", () => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it("with backgroundCheckpoints, committed pages reach the database file though the connection's own threshold is never crossed", async () => {
    database = await createTestDatabase("sqlite", { backgroundCheckpoints: true });
    await database.db.tenant.count();
    // The committing connection checkpoints only as a safety net, far above what is written here.
    expect(await autocheckpointPages(database)).toBe(16_000);
    const before = statSync(fileOf(database)).size;
    await writeSomePages(database);
    // Only a checkpoint grows the database file; the WAL holds the new pages until then.
    expect(await waitFor(() => statSync(fileOf(database!)).size > before + 500_000, 10_000)).toBe(true);
  });

  it("without it (the web process), the connection checkpoints itself at 4,000 pages and the file waits for that", async () => {
    database = await createTestDatabase("sqlite");
    await database.db.tenant.count();
    expect(await autocheckpointPages(database)).toBe(4_000);
    const before = statSync(fileOf(database)).size;
    await writeSomePages(database);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(statSync(fileOf(database)).size).toBe(before);
  });

  it("reports what it copied, and stop() ends the worker", async () => {
    database = await createTestDatabase("sqlite");
    await database.db.tenant.count();
    const failures: Error[] = [];
    const checkpointer = startWalCheckpointer(fileOf(database), {
      intervalMs: 50,
      onFailure: (err) => failures.push(err),
    });
    const before = statSync(fileOf(database)).size;
    await writeSomePages(database);
    const grown = () => statSync(fileOf(database!)).size > before + 500_000;
    expect(await waitFor(() => grown() && checkpointer.last !== undefined, 10_000)).toBe(true);
    expect(checkpointer.last!.checkpointed).toBeGreaterThan(0);
    expect(checkpointer.last!.log).toBeGreaterThanOrEqual(checkpointer.last!.checkpointed);
    await checkpointer.stop();
    expect(failures).toEqual([]);
  });

  it("a worker that cannot open the file says so once, so the connection can checkpoint itself again", async () => {
    const failures: Error[] = [];
    const checkpointer = startWalCheckpointer("/nonexistent/opsmerge.db", {
      intervalMs: 50,
      onFailure: (err) => failures.push(err),
    });
    expect(await waitFor(() => failures.length > 0, 10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toMatch(/unable to open|does not exist|directory/i);
    await checkpointer.stop();
  });
});
