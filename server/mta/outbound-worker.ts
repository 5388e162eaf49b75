/**
 * The outbound delivery worker of an MTA node (R-OUT-3): claims due jobs from the shared queue table (safe with
 * several nodes, see server/outbound/delivery-queue.ts) and delivers up to OUTBOUND_CONCURRENCY at once with
 * deliverJob. Started by scripts/mta.ts in the Haraka process, on the process's one database client and resolver
 * (runtime.ts). Only the loop lives here; every rule is in server/outbound.
 *
 * stop(): claims nothing more, gives back jobs that have not reached the end of DATA, waits for those that have
 * (their remote reply is recorded), up to a time limit after which the lease and the data-in-flight mark take over.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { isAppError } from "../errors";
import { claimOutboundJobs, deliverJob, type ClaimedJob, type DeliveryOptions } from "../outbound";
import { ensureSchema, openMta } from "./runtime";

/** Idle wait between two looks at the queue (a finished delivery looks again at once). */
const POLL_MS = 1_000;
/** After an error (database down), wait this long before claiming again. */
const ERROR_BACKOFF_MS = 5_000;

export type WorkerLog = (level: "debug" | "info" | "warn" | "error", message: string) => void;

export type OutboundWorker = {
  id: string;
  /** Deliveries in flight now. */
  busy(): number;
  stop(options?: { timeoutMs?: number }): Promise<void>;
};

export function startOutboundWorker(options: { log: WorkerLog }): OutboundWorker {
  const { log } = options;
  const rt = openMta();
  const env = rt.env;
  const id = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const leaseMs = env.OUTBOUND_LEASE_SECONDS * 1_000;
  const delivery: DeliveryOptions = {
    resolver: rt.resolver,
    relay: env.OUTBOUND_RELAY ? splitHostPort(env.OUTBOUND_RELAY) : null,
    smtpPort: env.OUTBOUND_SMTP_PORT,
    heloName: env.OUTBOUND_HELO ?? hostname(),
    ...(env.OUTBOUND_RETRY_SCHEDULE ? { retryScheduleMs: env.OUTBOUND_RETRY_SCHEDULE.map((s) => Math.round(s * 1_000)) } : {}),
  };
  const stopSignal = new AbortController();
  const inflight = new Set<Promise<void>>();
  let wake: (() => void) | null = null;

  // Each claim round holds its jobs under its own name (`<worker>#<round>`): if a delivery's lease ran out (renewals
  // late on a stalled machine) and this same worker claimed the job again, the first delivery no longer holds it
  // and is refused at its end-of-data mark, exactly as when another node takes a job over — under the worker's
  // plain id both deliveries would pass the check and the message would go out twice.
  let round = 0;
  const deliver = (job: ClaimedJob, claimId: string) => {
    const work = deliverJob(rt.db, job, { workerId: claimId, leaseMs, options: delivery, signal: stopSignal.signal })
      .then((done) => {
        if (!done) return log("info", `job ${job.id} given back (stopping)`);
        log("info", `job ${job.id} ${done.state}${done.via ? ` via ${done.via}` : ""} by ${claimId}: ${done.reason}`);
      })
      .catch((err: unknown) => {
        // CONFLICT: the lease ran out and another worker took the job over; it records the outcome.
        const level = isAppError(err) && err.code === "CONFLICT" ? "warn" : "error";
        log(level, `job ${job.id} not recorded: ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => {
        inflight.delete(work);
        wake?.();
      });
    inflight.add(work);
  };

  const loop = async () => {
    while (!stopSignal.signal.aborted) {
      let wait = POLL_MS;
      const free = env.OUTBOUND_CONCURRENCY - inflight.size;
      if (free > 0) {
        try {
          await ensureSchema(rt);
          const claimId = `${id}#${++round}`;
          const jobs = await claimOutboundJobs(rt.db, { workerId: claimId, limit: free, leaseMs });
          for (const job of jobs) deliver(job, claimId);
          // A full batch: more may be due, look again as soon as a slot frees.
          if (jobs.length === free) wait = 0;
        } catch (err) {
          log("warn", `claiming outbound jobs failed: ${err instanceof Error ? err.message : String(err)}`);
          wait = ERROR_BACKOFF_MS;
        }
      }
      if (wait === 0 && inflight.size < env.OUTBOUND_CONCURRENCY) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wait || POLL_MS);
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });
    }
  };
  const running = loop();
  log("info", `outbound worker ${id} started (${delivery.relay ? `relay ${env.OUTBOUND_RELAY}` : `MX on port ${delivery.smtpPort}`})`);

  return {
    id,
    busy: () => inflight.size,
    async stop({ timeoutMs = 8_000 } = {}) {
      stopSignal.abort();
      wake?.();
      await running;
      const pending = Promise.allSettled([...inflight]);
      const timedOut = await Promise.race([
        pending.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref()),
      ]);
      if (timedOut) log("warn", `stopped with ${inflight.size} deliveries awaiting their reply; their leases will run out and they are recorded then`);
    },
  };
}

function splitHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(":");
  return { host: value.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(value.slice(i + 1)) };
}
