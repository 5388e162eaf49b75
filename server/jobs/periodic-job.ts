/**
 * The one shape of a background job (the MTA's activity purge, sending-domain re-check and outbound worker):
 * something started once per process that `stop()` ends, waiting for work in progress so the caller can then
 * close the database. Periodic jobs share one runner: a first run shortly after start, then one every
 * interval; runs never overlap (runNow joins the one in progress); a failed run is logged and the next
 * interval tries again; timers never keep the process alive. With a lease (job-lease.ts), a run happens only in
 * the one process across all nodes that holds it; the others skip theirs.
 */
import type { JobLease } from "./job-lease";

export type BackgroundJob = { stop(): Promise<void> };

export type PeriodicJob<T> = BackgroundJob & {
  /**
   * Runs once now (or joins the run in progress); null when the run failed, the job is stopped, or another
   * process holds its lease.
   */
  runNow(): Promise<T | null>;
};

export type PeriodicJobOptions<T> = {
  /** Names the job in failure lines: "<name> failed (will retry next interval): …". */
  name: string;
  run: () => Promise<T>;
  intervalMs: number;
  firstRunMs: number;
  log?: (line: string) => void;
  /** Called after each run that succeeded (the MTA logs which process ran it). */
  onRun?: () => void;
  /** Run only while holding this lease (one process across the nodes sharing the database). */
  lease?: JobLease;
};

export function startPeriodicJob<T>(options: PeriodicJobOptions<T>): PeriodicJob<T> {
  const log = options.log ?? (() => undefined);
  let running: Promise<T | null> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const runNow = (): Promise<T | null> => {
    if (stopped) return Promise.resolve(null);
    running ??= (async () => {
      if (options.lease && !(await options.lease.acquire())) return { ran: false as const };
      return { ran: true as const, result: await options.run() };
    })()
      .then((outcome) => {
        if (!outcome.ran) return null;
        options.onRun?.();
        return outcome.result;
      })
      .catch((err: unknown) => {
        // The database or DNS may be down; the next interval tries again.
        log(`${options.name} failed (will retry next interval): ${err instanceof Error ? err.message : String(err)}`);
        return null;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runNow().finally(() => schedule(options.intervalMs));
    }, delay);
    timer.unref();
  };
  schedule(options.firstRunMs);

  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      // Handing the lease back lets another node run the job at its next interval instead of after the lease expires.
      await options.lease?.release().catch((err: unknown) => {
        log(`${options.name}: could not hand back its lease: ${err instanceof Error ? err.message : String(err)}`);
      });
    },
  };
}
