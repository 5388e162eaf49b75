/**
 * The MTA process's background jobs, each started once on the process's runtime (runtime.ts: one database
 * client, one resolver): the outbound delivery worker (unless OUTBOUND_DELIVERY=off), the sending-domain
 * re-check (R-DOM-3), the activity purge (R-ACT-2) and the DMARC report reader (R-X-1). They share one shape (BackgroundJob): scripts/mta.ts
 * starts them after Haraka and stops them all before the database is closed.
 */
import type { BackgroundJob } from "../jobs/periodic-job";
import { startActivityPurgeJob } from "./activity-purge";
import { startDmarcReportJob } from "./dmarc-report-job";
import { startOutboundWorker, type WorkerLog } from "./outbound-worker";
import { openMta } from "./runtime";
import { startSendingDomainRecheck } from "./sending-domain-recheck";

export function startBackgroundJobs(log: WorkerLog): BackgroundJob[] {
  const rt = openMta();
  const info = (line: string) => log("info", line);
  return [
    ...(rt.env.OUTBOUND_DELIVERY === "on" ? [startOutboundWorker({ log: (level, m) => log(level, `outbound: ${m}`) })] : []),
    startSendingDomainRecheck(info),
    startActivityPurgeJob(rt.db, { log: info }),
    startDmarcReportJob(rt.db, { log: info }),
  ];
}

/** Stops every job, each waiting for its work in progress. */
export async function stopBackgroundJobs(jobs: BackgroundJob[]): Promise<void> {
  await Promise.all(jobs.map((job) => job.stop()));
}
