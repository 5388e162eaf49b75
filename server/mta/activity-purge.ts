/**
 * The periodic activity-log purge (R-ACT-2), run by the MTA process on its one database client: every
 * `intervalMs` (hourly by default, and once shortly after start) it calls purgeExpiredActivity, on the shared
 * periodic runner (server/jobs/periodic-job.ts). Several MTA nodes running it at once only share the deleting.
 */
import { purgeExpiredActivity } from "../activity/activity-retention";
import type { Db } from "../db/client";
import type { JobLease } from "../jobs/job-lease";
import { startPeriodicJob, type PeriodicJob } from "../jobs/periodic-job";

export type ActivityPurgeJob = PeriodicJob<number>;

export const ACTIVITY_PURGE_INTERVAL_MS = 60 * 60 * 1000;

export function startActivityPurgeJob(
  db: Db,
  options: { intervalMs?: number; firstRunMs?: number; log?: (line: string) => void; onRun?: () => void; now?: () => Date; lease?: JobLease } = {},
): ActivityPurgeJob {
  const log = options.log ?? (() => undefined);
  return startPeriodicJob({
    name: "activity purge",
    intervalMs: options.intervalMs ?? ACTIVITY_PURGE_INTERVAL_MS,
    firstRunMs: options.firstRunMs ?? 60_000,
    log,
    ...(options.onRun ? { onRun: options.onRun } : {}),
    ...(options.lease ? { lease: options.lease } : {}),
    run: async () => {
      const r = await purgeExpiredActivity(db, options.now?.() ?? new Date());
      if (r.deleted) log(`activity purge: deleted ${r.deleted} rows older than their tenant's retention`);
      return r.deleted;
    },
  });
}
