import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { recordActivity } from "../activity/record-activity";
import { createTenant } from "../tenants/create-tenant";
import { startActivityPurgeJob } from "./activity-purge";

describe.each(testProviders())("activity purge job on %s", (provider) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(provider);
  });
  afterAll(async () => {
    await t.drop();
  });

  it("R-ACT-2 the periodic runner purges expired rows on the process's client and stops cleanly", async () => {
    const tenantId = (await createTenant(t.db, { slug: "purge", name: "Purge MSP" })).id;
    const now = new Date();
    await recordActivity(t.db, { tenantId, direction: "INBOUND", outcome: "DELIVERED", createdAt: new Date(now.getTime() - 91 * 86_400_000) });
    await recordActivity(t.db, { tenantId, direction: "INBOUND", outcome: "DELIVERED", createdAt: new Date(now.getTime() - 89 * 86_400_000) });
    const lines: string[] = [];
    const job = startActivityPurgeJob(t.db, { firstRunMs: 10, intervalMs: 60_000, log: (l) => lines.push(l) });
    await expect.poll(() => t.db.activityLog.count({ where: { tenantId } }), { timeout: 10_000 }).toBe(1);
    expect(await job.runNow()).toBe(0);
    await job.stop();
    expect(lines).toEqual(["activity purge: deleted 1 rows older than their tenant's retention"]);
  });
});
