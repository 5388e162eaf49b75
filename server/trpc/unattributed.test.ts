import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { createClient } from "../clients/create-client";
import { createTenant } from "../tenants/create-tenant";
import { seedTicket } from "../unattributed/__tests__/seed-queue";
import { createUser } from "../users/create-user";
import type { Role } from "../users/roles";
import { createContextInner } from "./init";
import { createCaller } from "./routers/_app";

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TRPCError) return err.code;
    throw err;
  }
  return "OK";
}

describe.each(testProviders())("R-UNA-1 unattributed router on %s", (provider) => {
  let t: TestDatabase;
  let tenantId: string;
  const users: Record<Role, string> = { ADMIN: "", TECHNICIAN: "", SUPPORT: "" };
  const caller = (userId: string | null) =>
    createCaller(createContextInner({ db: t.db, session: userId ? { sessionId: `s-${userId}`, userId } : null }));

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantId = (await createTenant(t.db, { slug: "queue", name: "Queue MSP" })).id;
    for (const role of ["ADMIN", "TECHNICIAN", "SUPPORT"] as const) {
      users[role] = (
        await createUser(t.db, tenantId, { name: role, email: `${role.toLowerCase()}@queue.test`, role, password: "correct horse battery" })
      ).id;
    }
  });
  afterAll(async () => {
    await t.drop();
  });

  it("R-TEN-4 ADMIN and SUPPORT work the queue; TECHNICIAN and anonymous callers are refused", async () => {
    const tk = await seedTicket(t.db, tenantId, "someone@trpc-sender.example", "Via tRPC");
    expect(await code(caller(users.ADMIN).unattributed.list({}))).toBe("OK");
    expect((await caller(users.SUPPORT).unattributed.byDomain())).toEqual([{ domain: "trpc-sender.example", count: 1, isFreeMail: false }]);
    expect(await code(caller(users.TECHNICIAN).unattributed.list({}))).toBe("FORBIDDEN");
    expect(await code(caller(users.TECHNICIAN).unattributed.block({ ticketIds: [tk.id], scope: "sender" }))).toBe("FORBIDDEN");
    expect(await code(caller(users.TECHNICIAN).unattributed.setClient({ ticketIds: [tk.id], clientId: "x" }))).toBe("FORBIDDEN");
    expect(await code(caller(null).unattributed.list({}))).toBe("UNAUTHORIZED");
    expect((await t.db.ticket.findUniqueOrThrow({ where: { id: tk.id } })).status).toBe("OPEN");
  });

  it("SUPPORT attributes by domain; a conflicting domain is reported on the client field", async () => {
    const client = await createClient(t.db, tenantId, { name: "Over tRPC", primaryDomain: "over-trpc.example" });
    const other = await createClient(t.db, tenantId, { name: "Other over tRPC", primaryDomain: "other-trpc.example" });
    const tk = await seedTicket(t.db, tenantId, "x@conflict-sender.example", "First");
    const tk2 = await seedTicket(t.db, tenantId, "y@conflict-sender.example", "Second");
    const res = await caller(users.SUPPORT).unattributed.addSenderDomain({ ticketId: tk.id, clientId: client.id });
    expect(res.outcome).toBe("ALIAS_DOMAIN");
    expect(res.followUp).toEqual({ scope: "domain", value: "conflict-sender.example", count: 1 });
    const err = await caller(users.SUPPORT)
      .unattributed.addSenderDomain({ ticketId: tk2.id, clientId: other.id })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe("CONFLICT");
    expect((err as TRPCError).cause).toMatchObject({ field: "clientId" });
    expect((err as TRPCError).message).toBe("conflict-sender.example already belongs to the client “Over tRPC”.");
  });

  it("an empty selection is refused as bad input, naming the field", async () => {
    const err = await caller(users.ADMIN)
      .unattributed.block({ ticketIds: [], scope: "sender" })
      .catch((e: unknown) => e);
    expect((err as TRPCError).code).toBe("BAD_REQUEST");
    expect((err as TRPCError).message).toContain("Select at least one ticket.");
  });
});
