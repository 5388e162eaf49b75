import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { createTenant } from "../tenants/create-tenant";
import { createUser } from "../users/create-user";
import type { Role } from "../users/roles";
import { createCaller } from "./routers/_app";
import { createContextInner } from "./init";

async function trpcError(promise: Promise<unknown>): Promise<TRPCError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TRPCError) return err;
    throw err;
  }
  throw new Error("expected a TRPCError");
}

describe.each(testProviders())("tRPC procedures on %s", (provider) => {
  let t: TestDatabase;
  const users: Record<Role, string> = { ADMIN: "", TECHNICIAN: "", SUPPORT: "" };
  let otherAdmin = "";

  const callerFor = (userId: string | null) =>
    createCaller(createContextInner({ db: t.db, session: userId ? { sessionId: `s-${userId}`, userId } : null }));

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    const tenant = await createTenant(t.db, { slug: "roles", name: "Roles MSP" });
    for (const role of ["ADMIN", "TECHNICIAN", "SUPPORT"] as const) {
      users[role] = (
        await createUser(t.db, tenant.id, { name: role, email: `${role.toLowerCase()}@roles.test`, role, password: "correct horse battery" })
      ).id;
    }
    const other = await createTenant(t.db, { slug: "other", name: "Other MSP" });
    otherAdmin = (await createUser(t.db, other.id, { name: "Other", email: "admin@other.test", role: "ADMIN", password: "correct horse battery" })).id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it("R-TEN-4 anonymous callers are refused (UNAUTHORIZED)", async () => {
    expect((await trpcError(callerFor(null).clients.list({}))).code).toBe("UNAUTHORIZED");
    expect((await trpcError(callerFor(null).profile.me())).code).toBe("UNAUTHORIZED");
    expect((await trpcError(callerFor("no-such-user").clients.list({}))).code).toBe("UNAUTHORIZED");
  });

  it.each(["TECHNICIAN", "SUPPORT"] as const)("R-TEN-4 %s reads clients and its profile but cannot administer", async (role) => {
    const caller = callerFor(users[role]);
    await expect(caller.clients.list({})).resolves.toEqual(expect.any(Array));
    expect((await caller.profile.me()).role).toBe(role);
    expect((await trpcError(caller.clients.create({ name: "Nope", primaryDomain: "nope.com" }))).code).toBe("FORBIDDEN");
    expect((await trpcError(caller.users.list())).code).toBe("FORBIDDEN");
    expect(
      (await trpcError(caller.users.create({ name: "X", email: "x@roles.test", role: "ADMIN", password: "0123456789ab" }))).code,
    ).toBe("FORBIDDEN");
  });

  it("R-TEN-4 ADMIN administers clients and users", async () => {
    const admin = callerFor(users.ADMIN);
    const client = await admin.clients.create({ name: "Admin made", primaryDomain: "admin-made.com", aliasDomains: [] });
    expect((await admin.clients.get({ id: client.id })).primaryDomain).toBe("admin-made.com");
    expect((await admin.users.list()).map((u) => u.email)).toEqual(
      expect.arrayContaining(["admin@roles.test", "technician@roles.test", "support@roles.test"]),
    );
  });

  it("R-TEN-1 a user of another tenant sees neither the clients nor the users", async () => {
    const other = callerFor(otherAdmin);
    expect(await other.clients.list({})).toEqual([]);
    expect((await other.users.list()).map((u) => u.email)).toEqual(["admin@other.test"]);
    const mine = await callerFor(users.ADMIN).clients.list({});
    expect((await trpcError(other.clients.get({ id: mine[0]!.id }))).code).toBe("NOT_FOUND");
    expect((await trpcError(other.users.resetPassword({ userId: users.TECHNICIAN, password: "another password 1" }))).code).toBe(
      "NOT_FOUND",
    );
  });

  it("maps BAD_INPUT to BAD_REQUEST and CONFLICT to CONFLICT, keeping the field for the form", async () => {
    const admin = callerFor(users.ADMIN);
    const bad = await trpcError(admin.clients.create({ name: "Bad", primaryDomain: "not a domain" }));
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.cause).toMatchObject({ field: "primaryDomain" });
    const dup = await trpcError(admin.clients.create({ name: "Dup", primaryDomain: "admin-made.com" }));
    expect(dup.code).toBe("CONFLICT");
    expect(dup.message).toContain("“Admin made”");
  });

  it("R-TEN-4 a disabled user's session is refused at once", async () => {
    const admin = callerFor(users.ADMIN);
    await admin.users.update({ userId: users.SUPPORT, disabled: true });
    expect((await trpcError(callerFor(users.SUPPORT).clients.list({}))).code).toBe("UNAUTHORIZED");
    await admin.users.update({ userId: users.SUPPORT, disabled: false });
    await expect(callerFor(users.SUPPORT).clients.list({})).resolves.toEqual(expect.any(Array));
  });

  it("an admin cannot disable themselves or demote the last admin", async () => {
    const admin = callerFor(users.ADMIN);
    expect((await trpcError(admin.users.update({ userId: users.ADMIN, disabled: true }))).code).toBe("PRECONDITION_FAILED");
    expect((await trpcError(admin.users.update({ userId: users.ADMIN, role: "SUPPORT" }))).code).toBe("PRECONDITION_FAILED");
  });
});
