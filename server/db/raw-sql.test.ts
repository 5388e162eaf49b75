import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRow, newRowId, sqlBoolean, sqlList } from "./raw-sql";
import { isUniqueViolation } from "../clients/prisma-errors";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { createTenantRow } from "../../test/support/gateway-data";

describe("newRowId", () => {
  it("is 25 lower-case alphanumerics, like a cuid, and what reply and bounce addresses accept", () => {
    for (let i = 0; i < 200; i++) expect(newRowId()).toMatch(/^c[0-9a-z]{24}$/);
  });

  it("sorts in the order the ids were made (rows of one millisecond keep their order in the activity screen)", () => {
    const ids = Array.from({ length: 5_000 }, () => newRowId());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("insertRow", () => {
  it("refuses anything but a plain identifier as table or column name", async () => {
    const tx = { $executeRaw: () => Promise.resolve(0) } as never;
    await expect(insertRow(tx, 'Contact" (id) VALUES (1); --', { id: "x" })).rejects.toThrow(/identifier/);
    await expect(insertRow(tx, "Contact", { 'id", "x': "x" })).rejects.toThrow(/identifier/);
  });
});

describe.each(testProviders())("raw statements on %s", (provider) => {
  let database: TestDatabase;
  let tenantId: string;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
    tenantId = (await createTenantRow(database.db, "raw")).id;
  });
  afterAll(() => database.drop());

  it("a row written raw reads back through the model API exactly: text, null, dates, bytes and column defaults", async () => {
    const at = new Date("2026-03-04T05:06:07.089Z");
    const id = newRowId();
    await insertRow(database.db, "Contact", { id, tenantId, email: "raw@example.com", name: null, createdAt: at, updatedAt: at });
    const contact = await database.db.contact.findUniqueOrThrow({ where: { id } });
    expect(contact).toMatchObject({ email: "raw@example.com", name: null, emailFailing: false, createdAt: at, updatedAt: at });

    const ticketId = newRowId();
    await insertRow(database.db, "Ticket", {
      id: ticketId,
      tenantId,
      number: 1,
      subject: "Ünïcode ✓",
      createdAt: at,
      updatedAt: at,
      lastActivityAt: at,
    });
    const messageId = newRowId();
    await insertRow(database.db, "Message", {
      id: messageId,
      tenantId,
      ticketId,
      direction: "INBOUND",
      messageIdHeader: "<a@b>",
      fromAddress: "raw@example.com",
      subject: "s",
      sentAt: at,
      createdAt: at,
    });
    const raw = new Uint8Array([0, 13, 10, 46, 255, 128]);
    await insertRow(database.db, "MessageSource", { messageId, raw });
    const stored = await database.db.message.findUniqueOrThrow({ where: { id: messageId }, include: { source: true, ticket: true } });
    expect(stored.kind).toBe("REPLY");
    expect(stored.toJson).toBe("[]");
    expect(stored.ticket.status).toBe("OPEN");
    expect(stored.ticket.subject).toBe("Ünïcode ✓");
    expect([...stored.source!.raw]).toEqual([...raw]);
  });

  it("R-IN-10: a unique violation from a raw insert is recognised as one (the duplicate check relies on it)", async () => {
    const at = new Date();
    const row = { tenantId, email: "twice@example.com", createdAt: at, updatedAt: at };
    await insertRow(database.db, "Contact", { id: newRowId(), ...row });
    const err = await insertRow(database.db, "Contact", { id: newRowId(), ...row }).catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    const notNull = await insertRow(database.db, "Contact", { id: newRowId(), ...row, email: null }).catch((e: unknown) => e);
    expect(notNull).toBeInstanceOf(Error);
    expect(isUniqueViolation(notNull)).toBe(false);
  });

  it("sqlList binds one value per element; sqlBoolean reads either database's booleans", async () => {
    const rows = await database.db.$queryRaw<{ email: string; emailFailing: boolean | number }[]>`
      SELECT "email", "emailFailing" FROM "Contact" WHERE "email" IN (${sqlList(["raw@example.com", "x' OR '1'='1"])})`;
    expect(rows.map((r) => r.email)).toEqual(["raw@example.com"]);
    expect(sqlBoolean(rows[0]!.emailFailing)).toBe(false);
  });
});
