/**
 * The MTA's DMARC report reader (R-X-1, issue 19 item 1): reads the report files that mail to the report mailboxes
 * queued (server/dmarc/process-report-jobs.ts), on the shared periodic runner. It runs at once when this process
 * queues a file, and every few seconds for files queued by another process or left by one that stopped. Files are
 * unpacked and parsed on a thread of their own (server/dmarc/report-reader-thread.ts), stored from here.
 */
import type { Db } from "../db/client";
import { processDmarcReportJobs } from "../dmarc/process-report-jobs";
import { onDmarcReportQueued } from "../dmarc/queue-report-mail";
import { ReportReaderThread } from "../dmarc/report-reader-thread";
import { startPeriodicJob, type BackgroundJob } from "../jobs/periodic-job";

export function startDmarcReportJob(db: Db, options: { intervalMs?: number; log?: (line: string) => void } = {}): BackgroundJob {
  let again = false;
  const reader = new ReportReaderThread();
  const job = startPeriodicJob({
    name: "DMARC report reading",
    intervalMs: options.intervalMs ?? 5_000,
    firstRunMs: 1_000,
    ...(options.log ? { log: options.log } : {}),
    run: async () => {
      let total = 0;
      do {
        again = false;
        total += await processDmarcReportJobs(db, { deps: { readReportFile: reader.read } });
      } while (again);
      return total;
    },
  });
  const unsubscribe = onDmarcReportQueued(() => {
    // A run in progress may already have looked for work: make it look once more before it ends.
    again = true;
    void job.runNow();
  });
  return {
    async stop() {
      unsubscribe();
      await job.stop();
      await reader.stop();
    },
  };
}
