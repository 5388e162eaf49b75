/**
 * The health job's one run (R-HEALTH-1…4), every HEALTH_CHECK_SECONDS on each MTA node: settle and send
 * canaries, then for every tenant work out its health items and open, remind or resolve incidents.
 */
import type { Db } from "../db/client";
import type { AlertMailDeps } from "./alert-mail";
import { runCanaryCycle, type CanaryTiming } from "./canary-cycle";
import { healthSummary } from "./health-summary";
import { updateIncidents } from "./health-incidents";
import type { JobLease } from "../jobs/job-lease";
import { startPeriodicJob, type PeriodicJob } from "../jobs/periodic-job";

export type HealthRun = { canariesSent: number; canariesMissed: number; opened: number; resolved: number; reminded: number };

export async function runHealthChecks(db: Db, deps: AlertMailDeps, timing: CanaryTiming, now: Date = new Date()): Promise<HealthRun> {
  const cycle = await runCanaryCycle(db, deps, timing, now);
  const run: HealthRun = { canariesSent: cycle.sent, canariesMissed: cycle.missed, opened: 0, resolved: 0, reminded: 0 };
  const tenants = await db.tenant.findMany({ select: { id: true } });
  for (const t of tenants) {
    const summary = await healthSummary(db, t.id, now);
    const changes = await updateIncidents(db, deps, t.id, summary.items, now);
    run.opened += changes.opened.length;
    run.resolved += changes.resolved.length;
    run.reminded += changes.reminded.length;
  }
  return run;
}

export type HealthJobOptions = {
  db: Db;
  deps: AlertMailDeps;
  timing: CanaryTiming;
  intervalSeconds: number;
  log?: (line: string) => void;
  /** One process across the nodes runs the checks, so canaries and alert mails go out once. */
  lease?: JobLease;
};

/** The periodic health job (server/jobs/periodic-job.ts): first run a few seconds after start. */
export function startHealthJob(options: HealthJobOptions): PeriodicJob<HealthRun> {
  const intervalMs = options.intervalSeconds * 1000;
  return startPeriodicJob({
    name: "health checks",
    intervalMs,
    firstRunMs: Math.min(intervalMs, 5_000),
    log: options.log,
    ...(options.lease ? { lease: options.lease } : {}),
    run: async () => {
      const run = await runHealthChecks(options.db, options.deps, options.timing);
      if (run.canariesSent || run.canariesMissed || run.opened || run.resolved || run.reminded) {
        options.log?.(
          `health: ${run.canariesSent} canaries sent, ${run.canariesMissed} missed, incidents ${run.opened} opened, ${run.reminded} reminded, ${run.resolved} resolved`,
        );
      }
      return run;
    },
  });
}
