/**
 * The periodic activity-log purge (R-ACT-2), run by the MTA process: every `intervalMs` (hourly by default,
 * and once shortly after start) it calls purgeExpiredActivity with its own small database client. Overlapping
 * runs are skipped; several MTA nodes running it at once only share the deleting.
 */
import { createDb } from "../db/client";
import type { Env } from "../env";
import { purgeExpiredActivity } from "../activity/activity-retention";

export type ActivityPurgeJob = { stop(): Promise<void>; runNow(): Promise<number> };

export function startActivityPurgeJob(
  database: Env["database"],
  options: { intervalMs?: number; firstRunMs?: number; log?: (line: string) => void; now?: () => Date } = {},
): ActivityPurgeJob {
  const db = createDb(database, { poolSize: 1 });
  const log = options.log ?? (() => undefined);
  let running: Promise<number> | null = null;
  let stopped = false;

  const run = (): Promise<number> => {
    if (running) return running;
    running = purgeExpiredActivity(db, options.now?.() ?? new Date())
      .then((r) => {
        if (r.deleted) log(`activity purge: deleted ${r.deleted} rows older than their tenant's retention`);
        return r.deleted;
      })
      .catch((err: unknown) => {
        log(`activity purge failed (will retry next interval): ${err instanceof Error ? err.message : String(err)}`);
        return 0;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };

  const first = setTimeout(() => void run(), options.firstRunMs ?? 60_000);
  const timer = setInterval(() => void run(), options.intervalMs ?? 60 * 60 * 1000);
  first.unref();
  timer.unref();

  return {
    runNow: run,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
      await db.$disconnect();
    },
  };
}
