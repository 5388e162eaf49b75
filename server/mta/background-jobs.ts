/**
 * The MTA process's background jobs, each started once on the process's runtime (runtime.ts: one database
 * client, one resolver): the outbound delivery worker (unless OUTBOUND_DELIVERY=off), the sending-domain
 * re-check (R-DOM-3) and the activity purge (R-ACT-2). They share one shape (BackgroundJob): scripts/mta.ts
 * starts them after Haraka and stops them all before the database is closed.
 *
 * Which process runs which (SMTP_WORKERS, Haraka's cluster mode):
 * - `single` (SMTP_WORKERS=1): everything, in the one process;
 * - `primary` of a cluster: only the periodic jobs, so each node runs them exactly once whatever its worker count;
 * - `worker` of a cluster: only the outbound worker, in every worker. Claims are leases on the shared queue table
 *   (server/outbound/delivery-queue.ts), so several workers and several nodes deliver each job exactly once.
 */
import type { BackgroundJob } from "../jobs/periodic-job";
import { startActivityPurgeJob } from "./activity-purge";
import { startOutboundWorker, type WorkerLog } from "./outbound-worker";
import { openMta } from "./runtime";
import { startSendingDomainRecheck } from "./sending-domain-recheck";

export type MtaProcessRole = "single" | "primary" | "worker";

export function startBackgroundJobs(log: WorkerLog, role: MtaProcessRole = "single"): BackgroundJob[] {
  const rt = openMta();
  const info = (line: string) => log("info", line);
  const jobs: BackgroundJob[] = [];
  if (role !== "primary" && rt.env.OUTBOUND_DELIVERY === "on") {
    jobs.push(startOutboundWorker({ log: (level, m) => log(level, `outbound: ${m}`) }));
  }
  if (role === "worker") return jobs;
  // PERIODIC_JOB_SECONDS (tests) replaces every first-run delay and interval; each run names its process, which
  // is how the cluster test counts that the periodic jobs run in one process only.
  const ms = rt.env.PERIODIC_JOB_SECONDS === undefined ? undefined : Math.round(rt.env.PERIODIC_JOB_SECONDS * 1_000);
  const ran = (name: string) => () => info(`${name} ran in process ${process.pid}`);
  jobs.push(
    startSendingDomainRecheck(info, { ...(ms ? { intervalMs: ms, firstRunDelayMs: ms } : {}), onRun: ran("sending-domain re-check") }),
    startActivityPurgeJob(rt.db, { ...(ms ? { intervalMs: ms, firstRunMs: ms } : {}), log: info, onRun: ran("activity purge") }),
  );
  return jobs;
}

/** Stops every job, each waiting for its work in progress. */
export async function stopBackgroundJobs(jobs: BackgroundJob[]): Promise<void> {
  await Promise.all(jobs.map((job) => job.stop()));
}
