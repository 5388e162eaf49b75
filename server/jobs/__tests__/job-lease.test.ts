/**
 * Issue 15 item 7: a periodic job runs in one process across the MTA nodes that share a database. Two "nodes" here
 * are two periodic runners with their own lease holders on one real database (SQLite and PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { jobLease, leaseHolderName } from "../job-lease";
import { startPeriodicJob } from "../periodic-job";

describe.each(testProviders())("issue 15 item 7: periodic jobs under a lease on %s", (provider) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(provider);
  });
  afterAll(async () => {
    await t.drop();
  });

  it("one holder at a time; the holder renews; an expired lease is taken over; a released one at once", async () => {
    let clock = new Date("2026-12-07T10:00:00Z");
    const now = () => clock;
    const a = jobLease(t.db, "purge", { holder: "node-a", leaseMs: 60_000, now });
    const b = jobLease(t.db, "purge", { holder: "node-b", leaseMs: 60_000, now });
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    clock = new Date(clock.getTime() + 50_000);
    expect(await a.acquire()).toBe(true); // renewed to 10:01:50
    clock = new Date(clock.getTime() + 50_000);
    expect(await b.acquire()).toBe(false);
    clock = new Date(clock.getTime() + 11_000);
    expect(await b.acquire()).toBe(true); // a stopped renewing (died): b takes over
    expect(await a.acquire()).toBe(false);
    await b.release();
    expect(await a.acquire()).toBe(true);
    // Another job's lease is its own.
    expect(await jobLease(t.db, "recheck", { holder: "node-b", leaseMs: 60_000, now }).acquire()).toBe(true);
    expect(await t.db.jobLease.findMany({ orderBy: { name: "asc" }, select: { name: true, holder: true } })).toEqual([
      { name: "purge", holder: "node-a" },
      { name: "recheck", holder: "node-b" },
    ]);
  });

  it("two nodes racing for a free lease: exactly one wins", async () => {
    const holders = Array.from({ length: 6 }, () => leaseHolderName());
    const won = await Promise.all(holders.map((holder) => jobLease(t.db, "race", { holder, leaseMs: 60_000 }).acquire()));
    expect(won.filter(Boolean)).toHaveLength(1);
    const row = await t.db.jobLease.findUniqueOrThrow({ where: { name: "race" } });
    expect(row.holder).toBe(holders[won.indexOf(true)]);
  });

  it("of two nodes' periodic runners only the lease holder runs; when it stops, the other runs", async () => {
    const runs: string[] = [];
    const start = (node: string) =>
      startPeriodicJob({
        name: "health checks",
        intervalMs: 50,
        firstRunMs: 10,
        lease: jobLease(t.db, "health", { holder: node, leaseMs: 60_000 }),
        run: () => {
          runs.push(node);
          return Promise.resolve(node);
        },
      });
    const first = start("node-1");
    await expect.poll(() => runs.length).toBeGreaterThan(0);
    const second = start("node-2");
    expect(await second.runNow()).toBeNull(); // node-1 holds the lease: node-2 skips
    await expect.poll(() => runs.length).toBeGreaterThan(3);
    expect(new Set(runs)).toEqual(new Set(["node-1"]));
    await first.stop(); // hands the lease back
    await expect.poll(() => runs.includes("node-2")).toBe(true);
    await second.stop();
    const byNode2 = runs.slice(runs.indexOf("node-2"));
    expect(new Set(byNode2)).toEqual(new Set(["node-2"]));
  });
});
