import { afterEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "./client";
import { createTestDatabase, type TestDatabase } from "../../test/support/database";
import { createTenantRow } from "../../test/support/gateway-data";

// The web and the MTA process each hold their own connection to one SQLite file; two clients here stand in for them.
describe("SQLite transactions across two connections (web + MTA on one file)", () => {
  let database: TestDatabase;
  let web: Db | undefined;
  let other: Db | undefined;
  afterEach(async () => {
    await web?.$disconnect();
    await other?.$disconnect();
    await database.drop();
  });

  it("with beginImmediate (the web process), a transaction that reads, then writes after the other connection committed, still commits", async () => {
    database = await createTestDatabase("sqlite");
    web = createDb(database.database, { beginImmediate: true });
    // Busy timeout 0: the other connection must not wait synchronously here, it reports "busy" at once instead.
    other = createDb(database.database, { busyTimeoutMs: 0 });
    let otherWhileOpen: "wrote" | "busy" | undefined;

    await web.$transaction(async (tx) => {
      await tx.tenant.count();
      try {
        await createTenantRow(other!, "written-meanwhile");
        otherWhileOpen = "wrote";
      } catch (err) {
        expect(String(err)).toMatch(/timed out|busy/i);
        otherWhileOpen = "busy";
      }
      // With a deferred BEGIN this write failed at once with SQLITE_BUSY when the other connection had committed.
      await createTenantRow(tx as Db, "written-in-transaction");
    });

    // The transaction took the write lock when it began, so the other writer waited its turn instead.
    expect(otherWhileOpen).toBe("busy");
    await createTenantRow(other, "written-after");
    const slugs = (await database.db.tenant.findMany({ select: { slug: true }, orderBy: { slug: "asc" } })).map((t) => t.slug);
    expect(slugs).toEqual(["written-after", "written-in-transaction"]);
  });
});

// The MTA's client: statements outside a transaction must not run inside another caller's open transaction.
describe("SQLite isolateTransactions (the MTA's client)", () => {
  let database: TestDatabase;
  let mta: Db | undefined;
  let other: Db | undefined;
  afterEach(async () => {
    await mta?.$disconnect();
    await other?.$disconnect();
    await database.drop();
  });

  /** A transaction that starts, then waits for `proceed` before its first statement (a write). */
  function pausedTransaction(db: Db, tenantId: string, then: "commit" | "rollback") {
    let proceed!: () => void;
    let started!: () => void;
    const gate = new Promise<void>((resolve) => (proceed = resolve));
    const begun = new Promise<void>((resolve) => (started = resolve));
    const done = db.$transaction(async (tx) => {
      started();
      await gate;
      await tx.$executeRaw`UPDATE "Tenant" SET "ticketSeq" = "ticketSeq" + 1 WHERE "id" = ${tenantId}`;
      if (then === "rollback") throw new Error("rolled back on purpose");
    });
    return { begun, proceed, done };
  }

  it("R-IN-10: a write outside the transaction is not undone by that transaction's rollback", async () => {
    database = await createTestDatabase("sqlite");
    const tenant = await createTenantRow(database.db, "isolated");
    mta = createDb(database.database, { isolateTransactions: true });
    // Without the isolation the write below joins the open transaction, resolves, and is then rolled back.

    const tx = pausedTransaction(mta, tenant.id, "rollback");
    await tx.begun;
    const outside = createTenantRow(mta, "written-outside");
    await new Promise((resolve) => setTimeout(resolve, 50));
    tx.proceed();
    await expect(tx.done).rejects.toThrow("rolled back on purpose");
    await outside;
    const slugs = (await database.db.tenant.findMany({ select: { slug: true }, orderBy: { slug: "asc" } })).map((t) => t.slug);
    expect(slugs).toEqual(["isolated", "written-outside"]);
  });
});
