/**
 * The one shape of a background job (the MTA's activity purge, sending-domain re-check and outbound worker):
 * something started once per process that `stop()` ends, waiting for work in progress so the caller can then
 * close the database. Periodic jobs share one runner: a first run shortly after start, then one every
 * interval; runs never overlap (runNow joins the one in progress); a failed run is logged and the next
 * interval tries again; timers never keep the process alive.
 */
export type BackgroundJob = { stop(): Promise<void> };

export type PeriodicJob<T> = BackgroundJob & {
  /** Runs once now (or joins the run in progress); null when the run failed or the job is stopped. */
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
};

export function startPeriodicJob<T>(options: PeriodicJobOptions<T>): PeriodicJob<T> {
  const log = options.log ?? (() => undefined);
  let running: Promise<T | null> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const runNow = (): Promise<T | null> => {
    if (stopped) return Promise.resolve(null);
    running ??= options
      .run()
      .then((result) => {
        options.onRun?.();
        return result;
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
    },
  };
}
