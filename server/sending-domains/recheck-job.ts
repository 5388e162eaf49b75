/**
 * The scheduled re-check of sending domains (R-DOM-3): a small timer-driven runner that calls recheckDueDomains
 * every `intervalMs`, verifying again each domain last checked more than `maxAgeMs` ago. Domains whose records
 * drifted (verified → not) are flagged on their row (checkJson.drift, shown on the list) and reported to `log`.
 * Runs never overlap; `stop()` cancels the timer and waits for a run in progress, so the caller can then close
 * the database safely.
 */
import type { Tx } from "../db/client";
import type { Resolver } from "../dns/resolver";
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
  now?: () => Date;
};

export type RecheckJob = {
  /** Runs one re-check now (or joins the one in progress). */
  runNow(): Promise<RecheckResult | null>;
  stop(): Promise<void>;
};

export function startRecheckJob(options: RecheckJobOptions): RecheckJob {
  const intervalMs = options.intervalMs ?? RECHECK_INTERVAL_MS;
  const maxAgeMs = options.maxAgeMs ?? RECHECK_MAX_AGE_MS;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => undefined);
  let running: Promise<RecheckResult | null> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const runOnce = async (): Promise<RecheckResult | null> => {
    try {
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
    } catch (err) {
      // The database may be down; the next tick tries again.
      log(`sending-domain re-check failed: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  };

  const runNow = (): Promise<RecheckResult | null> => {
    if (stopped) return Promise.resolve(null);
    running ??= runOnce().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runNow().finally(() => schedule(intervalMs));
    }, delay);
    // Never keep the process alive just for this.
    timer.unref();
  };
  schedule(options.firstRunDelayMs ?? FIRST_RUN_DELAY_MS);

  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
