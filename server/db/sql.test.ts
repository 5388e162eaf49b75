/**
 * The typed hot path (server/db/sql.ts) on both databases: what Kysely writes on the driver reads back through
 * Prisma's model API exactly, and the other way round; a unique violation from the driver is recognised as one
 * (R-IN-10's duplicate check relies on it); Kysely over a Prisma transaction commits and rolls back with it; and
 * a Kysely transaction and a Prisma one on the same SQLite connection take turns instead of nesting.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newRowId } from "./raw-sql";
import { sqlOf, sqlTransaction } from "./sql";
import { deferChunkParents } from "./chunked-bytes";
import { isUniqueViolation } from "../clients/prisma-errors";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { createTenantRow } from "../../test/support/gateway-data";

describe.each(testProviders())("typed statements on %s", (provider) => {
  let database: TestDatabase;
  let tenantId: string;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
    tenantId = (await createTenantRow(database.db, "sqlts")).id;
  });
  afterAll(() => database.drop());

  it("R-IN-2: a row written through Kysely reads back through the model API exactly: text, null, dates, booleans, bytes and defaults", async () => {
    const sql = sqlOf(database.db);
    const at = new Date("2026-03-04T05:06:07.089Z");
    const id = newRowId();
    await sql
      .insertInto("Contact")
      .values({ id, tenantId, email: "kysely@example.com", name: null, createdAt: at, updatedAt: at })
      .execute();
    const contact = await database.db.contact.findUniqueOrThrow({ where: { id } });
    expect(contact).toMatchObject({
      email: "kysely@example.com",
      name: null,
      emailFailing: false,
      createdAt: at,
      updatedAt: at,
    });

    const ticketId = newRowId();
    await sql
      .insertInto("Ticket")
      .values({
        id: ticketId,
        tenantId,
        number: 1,
        subject: "Ünïcode ✓",
        automated: true,
        createdAt: at,
        updatedAt: at,
        lastActivityAt: at,
      })
      .execute();
    const messageId = newRowId();
    await sql
      .insertInto("Message")
      .values({
        id: messageId,
        tenantId,
        ticketId,
        direction: "INBOUND",
        messageIdHeader: "<a@b>",
        fromAddress: "kysely@example.com",
        subject: "s",
        sentAt: at,
        createdAt: at,
      })
      .execute();
    const raw = Buffer.from([0, 13, 10, 46, 255, 128]);
    await sql.insertInto("MessageSource").values({ messageId, raw }).execute();
    const stored = await database.db.message.findUniqueOrThrow({
      where: { id: messageId },
      include: { source: true, ticket: true },
    });
    expect(stored.kind).toBe("REPLY");
    expect(stored.toJson).toBe("[]");
    expect(stored.ticket).toMatchObject({ status: "OPEN", subject: "Ünïcode ✓", automated: true, createdAt: at });
    expect([...stored.source!.raw]).toEqual([...raw]);

    // And back: a row the model API wrote, read through Kysely, with the same types.
    const read = await sql
      .selectFrom("Ticket")
      .select(["number", "automated", "createdAt", "mergedIntoId"])
      .where("id", "=", ticketId)
      .executeTakeFirstOrThrow();
    expect(read).toEqual({ number: 1, automated: true, createdAt: at, mergedIntoId: null });
    const viaModel = await database.db.blocklistEntry.create({
      data: { tenantId, kind: "ADDRESS", value: "x@example.com" },
    });
    const entry = await sql
      .selectFrom("BlocklistEntry")
      .selectAll()
      .where("id", "=", viaModel.id)
      .executeTakeFirstOrThrow();
    expect(entry.createdAt).toEqual(viaModel.createdAt);
    expect(entry.removedAt).toBeNull();
  });

  it("R-IN-10: a unique violation from the driver is recognised as one (the duplicate check relies on it)", async () => {
    const sql = sqlOf(database.db);
    const at = new Date();
    const row = { tenantId, email: "twice@example.com", createdAt: at, updatedAt: at };
    await sql
      .insertInto("Contact")
      .values({ id: newRowId(), ...row })
      .execute();
    const err = await sql
      .insertInto("Contact")
      .values({ id: newRowId(), ...row })
      .execute()
      .catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    const notNull = await sql
      .insertInto("Contact")
      .values({ id: newRowId(), ...row, email: null as unknown as string })
      .execute()
      .catch((e: unknown) => e);
    expect(notNull).toBeInstanceOf(Error);
    expect(isUniqueViolation(notNull)).toBe(false);
  });

  it("R-IN-2: Kysely over a Prisma transaction is part of it; a Kysely transaction rolls back whole", async () => {
    const at = new Date();
    const contact = (email: string) => ({ id: newRowId(), tenantId, email, createdAt: at, updatedAt: at });
    await expect(
      database.db.$transaction(async (tx) => {
        await sqlOf(tx).insertInto("Contact").values(contact("in-prisma-tx@example.com")).execute();
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await expect(
      sqlTransaction(database.db, async (trx) => {
        await trx.insertInto("Contact").values(contact("in-kysely-tx@example.com")).execute();
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    const emails = ["in-prisma-tx@example.com", "in-kysely-tx@example.com"];
    expect(await database.db.contact.count({ where: { email: { in: emails } } })).toBe(0);
  });

  it("R-IN-2: Kysely and Prisma transactions started together both commit (on SQLite they take turns on one connection)", async () => {
    const at = new Date();
    const contact = (email: string) => ({ id: newRowId(), tenantId, email, createdAt: at, updatedAt: at });
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) =>
        sqlTransaction(database.db, async (trx) => {
          await trx
            .insertInto("Contact")
            .values(contact(`turn-k${i}@example.com`))
            .execute();
          await new Promise((resolve) => setImmediate(resolve));
          await trx.updateTable("Contact").set({ name: "k" }).where("email", "=", `turn-k${i}@example.com`).execute();
        }),
      ),
      ...Array.from({ length: 5 }, (_, i) =>
        database.db.$transaction(async (tx) => {
          await tx.contact.create({ data: { tenantId, email: `turn-p${i}@example.com` } });
          await tx.contact.update({
            where: { tenantId_email: { tenantId, email: `turn-p${i}@example.com` } },
            data: { name: "p" },
          });
        }),
      ),
    ]);
    expect(await database.db.contact.count({ where: { email: { startsWith: "turn-" }, name: { not: null } } })).toBe(
      10,
    );
  });

  it("R-IN-2: a COMMIT that fails (a deferred foreign key) rejects with its own error; the transactions waiting their turn commit", async () => {
    const at = new Date();
    const failing = sqlTransaction(database.db, async (trx) => {
      if (provider === "sqlite") await sql`PRAGMA defer_foreign_keys = ON`.execute(trx);
      else await deferChunkParents(trx);
      await trx
        .insertInto("MessageSourceChunk")
        .values({ messageId: newRowId(), seq: 0, data: new Uint8Array(1) })
        .execute();
    });
    const waiting = Array.from({ length: 3 }, (_, i) =>
      sqlTransaction(database.db, (trx) =>
        trx
          .insertInto("Contact")
          .values({
            id: newRowId(),
            tenantId,
            email: `after-failed-commit-${i}@example.com`,
            createdAt: at,
            updatedAt: at,
          })
          .execute(),
      ),
    );
    await expect(failing).rejects.toThrow(/foreign key/i);
    await Promise.all(waiting);
    expect(await database.db.contact.count({ where: { email: { startsWith: "after-failed-commit-" } } })).toBe(3);
  });
});
