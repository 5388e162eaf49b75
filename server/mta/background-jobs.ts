/**
 * The MTA process's background jobs, each started once on the process's runtime (runtime.ts: one database
 * client, one resolver): the outbound delivery worker (unless OUTBOUND_DELIVERY=off), the sending-domain
 * re-check (R-DOM-3), the activity purge (R-ACT-2), the health checks (R-HEALTH-1…4: forwarding canaries,
 * quiet mailbox, incidents and their mail) and the /metrics listener (R-HEALTH-5). They share one shape (BackgroundJob): scripts/mta.ts
 * starts them after Haraka and stops them all before the database is closed.
 */
import type { BackgroundJob } from "../jobs/periodic-job";
import { startHealthJob } from "../gateway-health/run-health-checks";
import { startMetricsListener } from "../metrics/mta-metrics-listener";
import { startActivityPurgeJob } from "./activity-purge";
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
    startHealthJob({
      db: rt.db,
      deps: { secret: rt.env.APP_SECRET, inboundDomain: rt.env.INBOUND_DOMAIN, appUrl: rt.env.APP_URL },
      timing: { intervalSecondsOverride: rt.env.CANARY_INTERVAL_SECONDS, waitSeconds: rt.env.CANARY_WAIT_SECONDS },
      intervalSeconds: rt.env.HEALTH_CHECK_SECONDS,
      log: info,
    }),
    startMetricsListener(rt.db, { host: rt.env.MTA_METRICS_HOST, port: rt.env.MTA_METRICS_PORT, log: (level, m) => log(level, m) }),
  ];
}

/** Stops every job, each waiting for its work in progress. */
export async function stopBackgroundJobs(jobs: BackgroundJob[]): Promise<void> {
  await Promise.all(jobs.map((job) => job.stop()));
}
