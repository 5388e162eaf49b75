/**
 * The MTA process's background jobs, each started once on the process's runtime (runtime.ts: one database
 * client, one resolver): the outbound delivery worker (unless OUTBOUND_DELIVERY=off), the sending-domain
 * re-check (R-DOM-3), the activity purge (R-ACT-2), the health checks (R-HEALTH-1…4: forwarding canaries,
 * quiet mailbox, incidents and their mail), the Spam queue purge (R-SPAM-2), the DMARC report reader (R-X-1),
 * SQLite's message search indexing (server/search/message-search-index.ts) and the /metrics listener
 * (R-HEALTH-5). They share one shape (BackgroundJob): scripts/mta.ts starts them after Haraka and stops them all
 * before the database is closed.
 *
 * Which process runs which (SMTP_WORKERS, Haraka's cluster mode):
 * - `single` (SMTP_WORKERS=1): everything, in the one process;
 * - `primary` of a cluster: the periodic jobs, and the node's /metrics, which sums the workers' counters. Each
 *   periodic job also takes a lease in the database (server/jobs/job-lease.ts) before it runs, so across nodes
 *   sharing the database one process runs it, and canaries and alert mails go out once, however many nodes;
 * - `worker` of a cluster: the outbound worker and the DMARC report reader, in every worker (the one that queued a
 *   report reads it at once). Both claim with leases on shared tables (server/outbound/delivery-queue.ts,
 *   server/dmarc/process-report-jobs.ts), so several workers and several nodes do each job exactly once.
 */
import { startHealthJob } from "../gateway-health/run-health-checks";
import { jobLease, leaseHolderName } from "../jobs/job-lease";
import { startPeriodicJob, type BackgroundJob } from "../jobs/periodic-job";
import { startMetricsListener } from "../metrics/mta-metrics-listener";
import { startMessageSearchIndexJob } from "../search/message-search-index";
import { purgeSpamQueue } from "../spam-queue/purge-spam-queue";
import { ACTIVITY_PURGE_INTERVAL_MS, startActivityPurgeJob } from "./activity-purge";
import { startDmarcReportJob } from "./dmarc-report-job";
import { startOutboundWorker, type WorkerLog } from "./outbound-worker";
import { openMta } from "./runtime";
import { RECHECK_INTERVAL_MS } from "../sending-domains/recheck-job";
import { startSendingDomainRecheck } from "./sending-domain-recheck";

export type MtaProcessRole = "single" | "primary" | "worker";

export function startBackgroundJobs(log: WorkerLog, role: MtaProcessRole = "single"): BackgroundJob[] {
  const rt = openMta();
  const info = (line: string) => log("info", line);
  const jobs: BackgroundJob[] = [];
  if (role !== "primary" && rt.env.OUTBOUND_DELIVERY === "on") {
    jobs.push(startOutboundWorker({ log: (level, m) => log(level, `outbound: ${m}`) }));
  }
  if (role !== "primary") jobs.push(startDmarcReportJob(rt.db, { log: info }));
  // /metrics (R-HEALTH-5): one listener per node. A worker only answers its primary's requests for its counters.
  jobs.push(startMetricsListener(rt.db, { host: rt.env.MTA_METRICS_HOST, port: rt.env.MTA_METRICS_PORT, role, log: (level, m) => log(level, m) }));
  if (role === "worker") return jobs;
  // PERIODIC_JOB_SECONDS (tests) replaces every first-run delay and interval; each run names its process, which
  // is how the cluster test counts that the periodic jobs run in one process only.
  const ms = rt.env.PERIODIC_JOB_SECONDS === undefined ? undefined : Math.round(rt.env.PERIODIC_JOB_SECONDS * 1_000);
  const ran = (name: string) => () => info(`${name} ran in process ${process.pid}`);
  // A lease outlives two intervals, so the holder keeps it by running; a node that died is replaced within that.
  const holder = leaseHolderName();
  const lease = (name: string, intervalMs: number) => jobLease(rt.db, name, { holder, leaseMs: 2 * intervalMs + 30_000 });
  const spamPurgeMs = ms ?? 60 * 60 * 1000;
  jobs.push(
    startSendingDomainRecheck(info, {
      ...(ms ? { intervalMs: ms, firstRunDelayMs: ms } : {}),
      onRun: ran("sending-domain re-check"),
      lease: lease("sending-domain re-check", ms ?? RECHECK_INTERVAL_MS),
    }),
    startActivityPurgeJob(rt.db, {
      ...(ms ? { intervalMs: ms, firstRunMs: ms } : {}),
      log: info,
      onRun: ran("activity purge"),
      lease: lease("activity purge", ms ?? ACTIVITY_PURGE_INTERVAL_MS),
    }),
    startHealthJob({
      db: rt.db,
      deps: { secret: rt.env.APP_SECRET, inboundDomain: rt.env.INBOUND_DOMAIN, appUrl: rt.env.APP_URL },
      timing: { intervalSecondsOverride: rt.env.CANARY_INTERVAL_SECONDS, waitSeconds: rt.env.CANARY_WAIT_SECONDS },
      intervalSeconds: rt.env.HEALTH_CHECK_SECONDS,
      log: info,
      lease: lease("health checks", rt.env.HEALTH_CHECK_SECONDS * 1_000),
    }),
    // R-SPAM-2: Spam queue items past their tenant's retention.
    startPeriodicJob({
      name: "spam queue purge",
      intervalMs: spamPurgeMs,
      firstRunMs: ms ?? 90_000,
      log: info,
      lease: lease("spam queue purge", spamPurgeMs),
      run: async () => {
        const purged = await purgeSpamQueue(rt.db);
        if (purged) info(`spam queue purge: deleted ${purged} items older than their tenant's retention`);
        return purged;
      },
    }),
  );
  // SQLite: the messages that arrived since the last batch go into the search index.
  if (rt.env.database.provider === "sqlite") jobs.push(startMessageSearchIndexJob(rt.db, info));
  return jobs;
}

/** Stops every job, each waiting for its work in progress. */
export async function stopBackgroundJobs(jobs: BackgroundJob[]): Promise<void> {
  await Promise.all(jobs.map((job) => job.stop()));
}
