import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { recordActivity } from "../activity/record-activity";
import { createTenant } from "../tenants/create-tenant";
import { createUser } from "../users/create-user";
import { createContextInner } from "./init";
import { createCaller } from "./routers/_app";

describe.each(testProviders())("activity and inbound procedures on %s", (provider) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(provider);
  });
  afterAll(async () => {
    await t.drop();
  });

  it("R-ACT-2 R-X-2 R-TEN-4 admins only, each in their own tenant; bad filters name their field", async () => {
    const one = (await createTenant(t.db, { slug: "act-one", name: "One" })).id;
    const two = (await createTenant(t.db, { slug: "act-two", name: "Two" })).id;
    const make = (tenantId: string, role: "ADMIN" | "TECHNICIAN" | "SUPPORT", email: string) =>
      createUser(t.db, tenantId, { name: role, email, role, password: "correct horse battery" });
    const admin = await make(one, "ADMIN", "admin@act-one.test");
    const tech = await make(one, "TECHNICIAN", "tech@act-one.test");
    const support = await make(one, "SUPPORT", "support@act-one.test");
    const caller = (userId: string) => createCaller(createContextInner({ db: t.db, session: { sessionId: `s-${userId}`, userId } }));
    const { id: mine } = await recordActivity(t.db, { tenantId: one, direction: "INBOUND", outcome: "DELIVERED", subject: "mine" });
    const { id: theirs } = await recordActivity(t.db, { tenantId: two, direction: "INBOUND", outcome: "DELIVERED", subject: "theirs" });

    for (const user of [tech, support]) {
      for (const call of [
        caller(user.id).activity.list({}),
        caller(user.id).activity.get({ id: mine }),
        caller(user.id).activity.volume({ days: 7 }),
        caller(user.id).activity.retention(),
        caller(user.id).activity.setRetention({ days: 30 }),
        caller(user.id).inbound.startTest(),
        caller(user.id).inbound.testResults({ since: new Date(0) }),
      ]) {
        await expect(call).rejects.toSatisfy((e) => e instanceof TRPCError && e.code === "FORBIDDEN");
      }
    }
    const page = await caller(admin.id).activity.list({});
    expect(page.rows.map((r) => r.subject)).toEqual(["mine"]);
    await expect(caller(admin.id).activity.get({ id: theirs })).rejects.toSatisfy((e) => e instanceof TRPCError && e.code === "NOT_FOUND");
    const { startedAt } = await caller(admin.id).inbound.startTest();
    expect(await caller(admin.id).inbound.testResults({ since: startedAt })).toEqual([]);

    await expect(caller(admin.id).activity.list({ from: new Date(2), to: new Date(1) })).rejects.toSatisfy(
      (e) => e instanceof TRPCError && e.code === "BAD_REQUEST",
    );
    await expect(caller(admin.id).activity.setRetention({ days: 1 })).rejects.toSatisfy(
      (e) => e instanceof TRPCError && e.code === "BAD_REQUEST" && (e.cause as { field?: string }).field === "days",
    );
  });
});
