/**
 * Deferred writes and reads together (issue 15: fewer PostgreSQL round trips while the tenant's lock is held).
 * The joining itself on its own, then on both databases: what a transaction defers is written, seen by its later
 * reads, rolled back whole with it when one of them fails, and — on PostgreSQL — sent as one statement.
 */
import { CompiledQuery } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinDeferredWrites } from "./deferred-writes";
import { shiftPlaceholders } from "./pg-placeholders";
import { deferWrite, preparedQuery } from "./prepared";
import { readTogether } from "./read-together";
import { newRowId } from "./raw-sql";
import { sqlOf, sqlTransaction } from "./sql";
import { isUniqueViolation } from "../clients/prisma-errors";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { createTenantRow } from "../../test/support/gateway-data";
import { pgStatementsDuring } from "../../test/support/pg-statements";

const write = (sql: string, ...parameters: unknown[]) => CompiledQuery.raw(sql, parameters);

describe("joinDeferredWrites", () => {
  it("issue 15: renumbers each statement's placeholders after the ones before it, and leaves $ in names alone", () => {
    expect(shiftPlaceholders(`update "T" set "a" = $1, "b$2" = $12 where "id" = $2`, 3)).toBe(
      `update "T" set "a" = $4, "b$2" = $15 where "id" = $5`,
    );
    const [joined, ...rest] = joinDeferredWrites([
      write(`insert into "Ticket" ("id", "n") values ($1, $2)`, "t1", 1),
      write(`insert into "Message" ("id", "ticketId") values ($1, $2)`, "m1", "t1"),
      write(`update "Tenant" set "ticketSeq" = $1 where "id" = $2`, 1, "x"),
    ]);
    expect(rest).toEqual([]);
    expect(joined!.sql).toBe(
      `with "w0" as (insert into "Ticket" ("id", "n") values ($1, $2)), ` +
        `"w1" as (insert into "Message" ("id", "ticketId") values ($3, $4)), ` +
        `"w2" as (update "Tenant" set "ticketSeq" = $5 where "id" = $6) select 1`,
    );
    expect(joined!.parameters).toEqual(["t1", 1, "m1", "t1", 1, "x"]);
  });

  it("issue 15: inserts into one table share a statement; an update or delete of a table already written starts the next", () => {
    const sizes = (writes: CompiledQuery[]) =>
      joinDeferredWrites(writes).map((q) => (q.sql.match(/"w\d+" as/g) ?? [q]).length);
    const insertA = write(`insert into "A" ("id") values ($1)`, 1);
    const updateA = write(`update "A" set "x" = $1`, 1);
    const deleteA = write(`delete from "A" where "id" = $1`, 1);
    const insertB = write(`insert into "B" ("id") values ($1)`, 1);
    expect(sizes([insertA, insertA, insertB])).toEqual([3]);
    expect(sizes([insertA, updateA, insertB])).toEqual([1, 2]);
    expect(sizes([updateA, updateA])).toEqual([1, 1]);
    expect(sizes([updateA, insertB, insertA])).toEqual([2, 1]);
    expect(sizes([insertB, deleteA, insertA])).toEqual([2, 1]);
    expect(() => joinDeferredWrites([write(`select 1`)])).toThrow(/not an INSERT/);
  });
});

describe.each(testProviders())("deferred writes on %s", (provider) => {
  let database: TestDatabase;
  let tenantId: string;
  const insertContact = preparedQuery((db, p: { id: string; tenantId: string; email: string; now: Date }) =>
    db
      .insertInto("Contact")
      .values({ id: p.id, tenantId: p.tenantId, email: p.email, createdAt: p.now, updatedAt: p.now }),
  );
  const contactsOf = (email: string) =>
    sqlOf(database.db)
      .selectFrom("Contact")
      .select(["id", "name"])
      .where("tenantId", "=", tenantId)
      .where("email", "=", email)
      .execute();
  beforeAll(async () => {
    database = await createTestDatabase(provider);
    tenantId = (await createTenantRow(database.db, "deferred")).id;
  });
  afterAll(() => database.drop());

  it("issue 15: deferred writes are committed with the transaction, and a read after them sees them", async () => {
    const now = new Date();
    const seen = await sqlTransaction(database.db, async (tx) => {
      await insertContact.defer(tx, { id: newRowId(), tenantId, email: "a@deferred.example", now });
      await deferWrite(
        tx,
        tx
          .updateTable("Contact")
          .set({ name: "Ann" })
          .where("tenantId", "=", tenantId)
          .where("email", "=", "a@deferred.example"),
      );
      await insertContact.defer(tx, { id: newRowId(), tenantId, email: "b@deferred.example", now });
      return tx
        .selectFrom("Contact")
        .select(["email", "name"])
        .where("tenantId", "=", tenantId)
        .orderBy("email")
        .execute();
    });
    expect(seen).toEqual([
      { email: "a@deferred.example", name: "Ann" },
      { email: "b@deferred.example", name: null },
    ]);
    expect(await contactsOf("b@deferred.example")).toHaveLength(1);
  });

  it("issue 15: a deferred write that fails (a unique key) fails the transaction, and nothing of it is kept", async () => {
    const now = new Date();
    const id = newRowId();
    await insertContact.run(sqlOf(database.db), { id, tenantId, email: "taken@deferred.example", now });
    const failed = await sqlTransaction(database.db, async (tx) => {
      await insertContact.run(tx, { id: newRowId(), tenantId, email: "first@deferred.example", now });
      await insertContact.defer(tx, { id: newRowId(), tenantId, email: "second@deferred.example", now });
      await insertContact.defer(tx, { id, tenantId, email: "again@deferred.example", now });
    }).catch((err: unknown) => err);
    expect(isUniqueViolation(failed)).toBe(true);
    for (const email of ["first", "second", "again"]) expect(await contactsOf(`${email}@deferred.example`)).toEqual([]);
  });

  it("issue 15: outside a transaction a deferred write runs at once", async () => {
    await insertContact.defer(sqlOf(database.db), {
      id: newRowId(),
      tenantId,
      email: "now@deferred.example",
      now: new Date(),
    });
    expect(await contactsOf("now@deferred.example")).toHaveLength(1);
  });

  it("issue 15: readTogether gives each read's rows in its order, null for a read not asked for", async () => {
    const sql = sqlOf(database.db);
    const emails = preparedQuery((db, p: { tenantId: string }) =>
      db.selectFrom("Contact").select(["email", "name"]).where("tenantId", "=", p.tenantId).orderBy("email", "desc"),
    );
    const one = preparedQuery((db, p: { email: string }) =>
      db.selectFrom("Contact").select(["name"]).where("email", "=", p.email),
    );
    const [all, skipped, ann, none] = await readTogether(sql, [
      emails.bind(sql, { tenantId }),
      null,
      one.bind(sql, { email: "a@deferred.example" }),
      one.bind(sql, { email: "nobody@deferred.example" }),
    ]);
    expect(all).toEqual(await emails.all(sql, { tenantId }));
    expect(all.length).toBeGreaterThan(2);
    expect(skipped).toBeNull();
    expect(ann).toEqual([{ name: "Ann" }]);
    expect(none).toEqual([]);
  });

  it.runIf(provider === "postgresql")(
    "issue 15: on PostgreSQL, BEGIN goes with the first read, and the deferred writes as one statement with the COMMIT",
    async () => {
      const now = new Date();
      const sent = await pgStatementsDuring(() =>
        sqlTransaction(database.db, async (tx) => {
          await readTogether(tx, [
            tx.selectFrom("Contact").select("id").where("tenantId", "=", tenantId).compile(),
            tx.selectFrom("Tenant").select("id").where("id", "=", tenantId).compile(),
          ]);
          for (const email of ["p", "q", "r"])
            await insertContact.defer(tx, { id: newRowId(), tenantId, email: `${email}@deferred.example`, now });
        }),
      );
      expect(sent).toHaveLength(2);
      expect(sent[0]).toMatch(/^BEGIN; SET LOCAL [^]*;\nselect \(select coalesce\(json_agg/);
      expect(sent[1]).toMatch(/^with "w0" as \(insert into "Contact".*"w2" as [^]*;\ncommit$/);
      expect(await contactsOf("r@deferred.example")).toHaveLength(1);
    },
  );
});
