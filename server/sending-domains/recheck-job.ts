/**
 * The scheduled re-check of sending domains (R-DOM-3): a small timer-driven runner that calls recheckDueDomains
 * every `intervalMs`, verifying again each domain last checked more than `maxAgeMs` ago. Domains whose records
 * drifted (verified → not) are flagged on their row (checkJson.drift, shown on the list) and reported to `log`.
 * It runs on the shared periodic runner (server/jobs/periodic-job.ts): runs never overlap, and `stop()` waits for
 * a run in progress, so the caller can then close the database safely.
 */
import type { Tx } from "../db/client";
import type { Resolver } from "../dns/resolver";
import type { JobLease } from "../jobs/job-lease";
import { startPeriodicJob, type PeriodicJob } from "../jobs/periodic-job";
import { recheckDueDomains, type RecheckResult } from "./verify-sending-domain";

/** Re-check each domain about every six hours; look for due ones every ten minutes. */
export const RECHECK_MAX_AGE_MS = 6 * 60 * 60 * 1000;
export const RECHECK_INTERVAL_MS = 10 * 60 * 1000;
/** The first run waits a little after start so it does not compete with the process's start-up work. */
const FIRST_RUN_DELAY_MS = 30 * 1000;

export type RecheckJobOptions = {
  db: Tx;
  resolver: Resolver;
  spfInclude: string;
  inboundDomain?: string;
  intervalMs?: number;
  maxAgeMs?: number;
  firstRunDelayMs?: number;
  /** Domains per run (oldest check first). */
  limit?: number;
  log?: (line: string) => void;
  onRun?: () => void;
  now?: () => Date;
  /** One process across the nodes runs the re-check (server/jobs/job-lease.ts). */
  lease?: JobLease;
};

export type RecheckJob = PeriodicJob<RecheckResult>;

export function startRecheckJob(options: RecheckJobOptions): RecheckJob {
  const maxAgeMs = options.maxAgeMs ?? RECHECK_MAX_AGE_MS;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => undefined);
  return startPeriodicJob({
    name: "sending-domain re-check",
    intervalMs: options.intervalMs ?? RECHECK_INTERVAL_MS,
    firstRunMs: options.firstRunDelayMs ?? FIRST_RUN_DELAY_MS,
    log,
    ...(options.onRun ? { onRun: options.onRun } : {}),
    ...(options.lease ? { lease: options.lease } : {}),
    run: async () => {
      const result = await recheckDueDomains(options.db, {
        resolver: options.resolver,
        spfInclude: options.spfInclude,
        olderThan: new Date(now().getTime() - maxAgeMs),
        ...(options.inboundDomain ? { inboundDomain: options.inboundDomain } : {}),
        ...(options.limit ? { limit: options.limit } : {}),
      });
      for (const d of result.drifted) {
        log(`sending domain ${d.domain} is no longer verified: ${d.problems.join("; ")}`);
      }
      for (const f of result.failed) log(`sending domain ${f.domain} could not be re-checked: ${f.error}`);
      return result;
    },
  });
}
