import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { AppError } from "../errors";
import { createTenant } from "../tenants/create-tenant";
import { getAutoAckSettings } from "../tenants/auto-ack-settings";
import { createUser } from "../users/create-user";
import { createContextInner } from "./init";
import { createCaller } from "./routers/_app";

const valid = {
  enabled: true,
  subject: "Ticket #{{ticketNumber}}",
  template: "Thanks, {{requesterName}}.",
  perSenderHour: 5,
};

describe.each(testProviders())("autoAck procedures on %s", (provider) => {
  let t: TestDatabase;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantA = (await createTenant(t.db, { slug: "ack-one", name: "One MSP" })).id;
    tenantB = (await createTenant(t.db, { slug: "ack-two", name: "Two MSP" })).id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it("R-TEN-4 only admins read and change it over tRPC, each in their own tenant; errors name the field", async () => {
    const make = (tenantId: string, role: "ADMIN" | "TECHNICIAN", email: string) =>
      createUser(t.db, tenantId, { name: role, email, role, password: "correct horse battery" });
    const admin = await make(tenantB, "ADMIN", "admin@ack-two.test");
    const tech = await make(tenantB, "TECHNICIAN", "tech@ack-two.test");
    const caller = (userId: string) =>
      createCaller(createContextInner({ db: t.db, session: { sessionId: `s-${userId}`, userId } }));

    for (const call of [caller(tech.id).autoAck.get(), caller(tech.id).autoAck.update(valid)]) {
      await expect(call).rejects.toSatisfy((e) => e instanceof TRPCError && e.code === "FORBIDDEN");
    }
    const saved = await caller(admin.id).autoAck.update({ ...valid, perSenderHour: 7 });
    expect(saved.perSenderHour).toBe(7);
    expect((await caller(admin.id).autoAck.get()).perSenderHour).toBe(7);
    expect((await getAutoAckSettings(t.db, tenantA)).perSenderHour).not.toBe(7);

    const unknown = caller(admin.id).autoAck.update({ ...valid, template: "{{oops}}" });
    await expect(unknown).rejects.toSatisfy(
      (e) =>
        e instanceof TRPCError &&
        e.code === "BAD_REQUEST" &&
        e.cause instanceof AppError &&
        e.cause.field === "template",
    );
  });

  it("R-TEN-4 invalid input is BAD_REQUEST with the message on its field, for the form", async () => {
    const admin = await createUser(t.db, tenantA, {
      name: "A",
      email: "admin@ack-one.test",
      role: "ADMIN",
      password: "correct horse battery",
    });
    const caller = createCaller(
      createContextInner({ db: t.db, session: { sessionId: `s-${admin.id}`, userId: admin.id } }),
    );
    await expect(caller.autoAck.update({ ...valid, subject: "a\r\nb", perSenderHour: 99 })).rejects.toSatisfy(
      (e) => e instanceof TRPCError && e.code === "BAD_REQUEST",
    );
    expect((await getAutoAckSettings(t.db, tenantA)).perSenderHour).toBe(3);
  });
});
