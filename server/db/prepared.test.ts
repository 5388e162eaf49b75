/**
 * Prepared hot-path statements (server/db/prepared.ts, issue 15 item 6) on both databases: each call runs with
 * its own values although the SQL is compiled once, values written into the query (not placeholders) stay as
 * written, they run inside a Kysely transaction and over a Prisma one alike, and a missing value is an error
 * rather than a silent NULL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newRowId } from "./raw-sql";
import { preparedQuery } from "./prepared";
import { sqlOf, sqlTransaction } from "./sql";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { createTenantRow } from "../../test/support/gateway-data";

const insertContact = preparedQuery(
  (db, p: { id: string; tenantId: string; email: string; name: string | null; at: Date }) =>
    db
      .insertInto("Contact")
      .values({ id: p.id, tenantId: p.tenantId, email: p.email, name: p.name, createdAt: p.at, updatedAt: p.at }),
);
const contactsNamed = preparedQuery((db, p: { tenantId: string; emails: string }) =>
  db
    .selectFrom("Contact")
    .select(["email", "name", "createdAt", "emailFailing"])
    .where("tenantId", "=", p.tenantId)
    .where("email", "like", p.emails)
    // A value written into the query: it stays the same on every call.
    .where("emailFailing", "=", false)
    .orderBy("email", "asc"),
);
const renameContact = preparedQuery((db, p: { email: string; name: string }) =>
  db.updateTable("Contact").set({ name: p.name }).where("email", "=", p.email),
);

describe.each(testProviders())("prepared statements on %s", (provider) => {
  let database: TestDatabase;
  let tenantId: string;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
    tenantId = (await createTenantRow(database.db, "prepared")).id;
  });
  afterAll(() => database.drop());

  it("issue 15 item 6: each call binds its own values to the statement compiled once, constants included", async () => {
    const sql = sqlOf(database.db);
    const at = new Date("2026-05-06T07:08:09.010Z");
    await insertContact.run(sql, { id: newRowId(), tenantId, email: "a@prep.example", name: "Ann", at });
    await insertContact.run(sql, { id: newRowId(), tenantId, email: "b@prep.example", name: null, at });
    await database.db.contact.create({ data: { tenantId, email: "c@prep.example", emailFailing: true } });

    const rows = await contactsNamed.all(sql, { tenantId, emails: "%@prep.example" });
    expect(rows).toEqual([
      { email: "a@prep.example", name: "Ann", createdAt: at, emailFailing: false },
      { email: "b@prep.example", name: null, createdAt: at, emailFailing: false },
    ]);
    expect(await contactsNamed.first(sql, { tenantId, emails: "b@%" })).toMatchObject({ email: "b@prep.example" });
    expect(await contactsNamed.first(sql, { tenantId: "no-such-tenant", emails: "%" })).toBeUndefined();
    const changed = await renameContact.run(sql, { email: "b@prep.example", name: "Bea" });
    expect(changed.numAffectedRows).toBe(1n);
  });

  it("issue 15 item 6: a prepared statement runs in the transaction it is given, in a Kysely one and a Prisma one", async () => {
    const at = new Date();
    await expect(
      sqlTransaction(database.db, async (trx) => {
        await insertContact.run(trx, { id: newRowId(), tenantId, email: "rolled@prep.example", name: null, at });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await database.db.$transaction(async (tx) => {
      await insertContact.run(sqlOf(tx), { id: newRowId(), tenantId, email: "kept@prep.example", name: null, at });
    });
    const emails = (await contactsNamed.all(sqlOf(database.db), { tenantId, emails: "%@prep.example" })).map(
      (r) => r.email,
    );
    expect(emails).toContain("kept@prep.example");
    expect(emails).not.toContain("rolled@prep.example");
  });

  it("issue 15 item 6: a value left out is an error, not a NULL", async () => {
    const params = { tenantId, emails: undefined } as unknown as { tenantId: string; emails: string };
    await expect(contactsNamed.all(sqlOf(database.db), params)).rejects.toThrow(/no value for "emails"/);
  });
});
