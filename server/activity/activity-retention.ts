/**
 * How long the activity log is kept (R-ACT-2): a per-tenant number of days (Tenant.activityRetentionDays), and
 * the purge that deletes older rows. The purge deletes in small batches, each its own statement, so it never
 * holds SQLite's write lock (which the MTA needs to commit mail) or a long PostgreSQL transaction for long.
 */
import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";

export const ACTIVITY_RETENTION_MIN_DAYS = 7;
export const ACTIVITY_RETENTION_MAX_DAYS = 3650;
export const PURGE_BATCH_SIZE = 2_000;

const DAY = 86_400_000;

export const updateActivityRetentionInput = z.object({
  days: z
    .number({ error: "Enter a number of days." })
    .int("Enter a whole number of days.")
    .min(ACTIVITY_RETENTION_MIN_DAYS, `Keep the log at least ${ACTIVITY_RETENTION_MIN_DAYS} days.`)
    .max(ACTIVITY_RETENTION_MAX_DAYS, `Keep the log at most ${ACTIVITY_RETENTION_MAX_DAYS} days (10 years).`),
});
export type UpdateActivityRetentionInput = z.input<typeof updateActivityRetentionInput>;

export async function getActivityRetention(db: Db, tenantId: string): Promise<{ days: number }> {
  const tenant = await db.tenant.findUnique({ where: { id: tenantId }, select: { activityRetentionDays: true } });
  if (!tenant) throw new AppError("NOT_FOUND", "No such tenant.");
  return { days: tenant.activityRetentionDays };
}

/** Sets the tenant's retention. BAD_INPUT on field "days" outside 7…3650 whole days. */
export async function updateActivityRetention(db: Db, tenantId: string, input: UpdateActivityRetentionInput): Promise<{ days: number }> {
  const parsed = updateActivityRetentionInput.safeParse(input);
  if (!parsed.success) {
    throw new AppError("BAD_INPUT", parsed.error.issues[0]?.message ?? "Invalid number of days.", { field: "days", cause: parsed.error });
  }
  const tenant = await db.tenant.update({
    where: { id: tenantId },
    data: { activityRetentionDays: parsed.data.days },
    select: { activityRetentionDays: true },
  });
  return { days: tenant.activityRetentionDays };
}

export type PurgeResult = { deleted: number; tenants: { tenantId: string; deleted: number }[] };

/**
 * Deletes every tenant's activity rows older than its retention, `batchSize` rows per statement (oldest first).
 * Safe to run from several processes at once: a row deleted by another run is simply not counted here.
 */
export async function purgeExpiredActivity(db: Db, now: Date, options: { batchSize?: number } = {}): Promise<PurgeResult> {
  const batchSize = Math.max(1, Math.min(options.batchSize ?? PURGE_BATCH_SIZE, 10_000));
  const tenants = await db.tenant.findMany({ select: { id: true, activityRetentionDays: true }, orderBy: { id: "asc" } });
  const result: PurgeResult = { deleted: 0, tenants: [] };
  for (const tenant of tenants) {
    const cutoff = new Date(now.getTime() - tenant.activityRetentionDays * DAY);
    let deleted = 0;
    for (;;) {
      const batch = await db.activityLog.findMany({
        where: { tenantId: tenant.id, createdAt: { lt: cutoff } },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        take: batchSize,
        select: { id: true },
      });
      if (!batch.length) break;
      const { count } = await db.activityLog.deleteMany({ where: { id: { in: batch.map((r) => r.id) } } });
      deleted += count;
      if (batch.length < batchSize) break;
    }
    if (deleted) result.tenants.push({ tenantId: tenant.id, deleted });
    result.deleted += deleted;
  }
  return result;
}
