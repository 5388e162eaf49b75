/**
 * R-X-1, issue 19 item 1: reads the report files queue-report-mail.ts queued, one at a time, in the background:
 * each file is read with bounded work and the event loop free (readReportFile: zlib on the thread pool, the XML in
 * slices, at most MAX_REPORT_RECORDS records), outside any transaction; then what was read is stored in several
 * short transactions (storeReadReport: a capped number of aggregated rows, a batch at a time), the last of which
 * makes the report visible, closes the job and updates the activity row of the mail that brought it.
 *
 * A job is claimed with a lease, so several MTA processes share the queue and a process that died mid-file leaves
 * it to be taken again (its unfinished report removed first); a job that failed is released at once for the next
 * run; a file that has failed MAX_ATTEMPTS times is given up with its reason, never retried forever.
 */
import { isUniqueViolation } from "../clients/prisma-errors";
import type { Db, Tx } from "../db/client";
import { sqlOf } from "../db/sql";
import { TRANSACTION_OPTIONS } from "../db/transactions";
import { readReportFile, type ReadReport } from "./read-report-file";
import { describeStoredReports, STALE_STORING_MS, storeReadReport, type StoreReportOutcome } from "./store-report";

const LEASE_MS = 5 * 60_000;
const MAX_ATTEMPTS = 3;
/** Finished jobs (their bytes already emptied) are kept this long: the per-day quotas count them. */
const KEEP_DONE_MS = 2 * 24 * 60 * 60 * 1000;

type Job = { id: string; tenantId: string; sender: string; fileName: string | null; bytes: Buffer; attempts: number; activityId: string | null };

async function claimNext(db: Db, now: Date): Promise<Job | null> {
  const free = { OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] };
  for (;;) {
    const next = await db.dmarcReportJob.findFirst({ where: { state: "PENDING", ...free }, orderBy: { createdAt: "asc" }, select: { id: true } });
    if (!next) return null;
    const { count } = await db.dmarcReportJob.updateMany({
      where: { id: next.id, state: "PENDING", ...free },
      data: { lockedUntil: new Date(now.getTime() + LEASE_MS), attempts: { increment: 1 } },
    });
    if (count) {
      // Through Kysely, not Prisma: Prisma's driver adapters turn a Bytes value into an array of numbers, one
      // element per byte, in one step on the event loop (tens of milliseconds and megabytes for a large report).
      const job = await sqlOf(db)
        .selectFrom("DmarcReportJob")
        .select(["id", "tenantId", "sender", "fileName", "bytes", "attempts", "activityId"])
        .where("id", "=", next.id)
        .executeTakeFirstOrThrow();
      // A Buffer view of the driver's bytes, made once: reading and storing the file copy nothing more.
      return { ...job, bytes: Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength) };
    }
    // Another process claimed it between our read and our update: look again.
  }
}

/** Closes the job and, once every file of its mail is done, says on the mail's activity row what became of them. */
async function finish(tx: Tx, job: Job, result: string, outcome: StoreReportOutcome | null): Promise<void> {
  await tx.dmarcReportJob.update({
    where: { id: job.id },
    data: { state: "DONE", result: result.slice(0, 1000), bytes: new Uint8Array(0), lockedUntil: null },
  });
  if (!job.activityId) return;
  const siblings = await tx.dmarcReportJob.findMany({ where: { activityId: job.activityId }, select: { state: true, result: true } });
  if (siblings.some((s) => s.state !== "DONE")) return;
  const duplicate = outcome?.status === "duplicate" || (outcome?.status === "malformed" && outcome.duplicate === true);
  const allDuplicates = siblings.length === 1 ? duplicate : siblings.every((s) => /already (stored|kept)/.test(s.result ?? ""));
  await tx.activityLog.updateMany({
    where: { id: job.activityId, tenantId: job.tenantId },
    data: { outcome: allDuplicates ? "DUPLICATE" : "DELIVERED", reason: siblings.map((s) => s.result).join("; ").slice(0, 1000) },
  });
}

async function store(db: Db, job: Job, read: ReadReport, deps: JobDeps): Promise<StoreReportOutcome> {
  const once = () =>
    deps.storeReadReport(db, {
      tenantId: job.tenantId,
      file: { bytes: job.bytes, fileName: job.fileName },
      source: "mail",
      fallbackOrgName: job.sender || null,
      keepMalformed: true,
      read,
      // The job owns the report while its records are written: a retry after a crash removes what it left.
      owner: job.id,
      onStored: (tx, outcome) => finish(tx, job, describeStoredReports([outcome]), outcome),
    });
  try {
    return await once();
  } catch (err) {
    // The same report was stored by another mail (or an upload) between our check and our insert.
    if (!isUniqueViolation(err)) throw err;
    return once();
  }
}

/** What reading a job uses; a test may replace a step with one that fails. */
export type JobDeps = {
  storeReadReport: typeof storeReadReport;
  /** In this process by default; the MTA reads on a thread of its own (report-reader-thread.ts). */
  readReportFile: (bytes: Buffer) => Promise<ReadReport>;
};

/**
 * After a failure (a busy or lost database, say): the job is free again at once, so the next run (seconds later)
 * retries it instead of waiting for the lease to run out. Best effort: if the database is still away, the lease
 * does the same, later. Its attempts still count towards MAX_ATTEMPTS.
 */
async function release(db: Db, job: Job): Promise<void> {
  await db.dmarcReportJob.updateMany({ where: { id: job.id, state: "PENDING" }, data: { lockedUntil: null } }).catch(() => {});
}

/**
 * Reads and stores queued report files until none is left (or `limit` were done); resolves with how many were
 * processed. Database errors reject (the periodic runner logs them and tries again), the failed job released.
 */
export async function processDmarcReportJobs(db: Db, options: { now?: () => Date; limit?: number; deps?: Partial<JobDeps> } = {}): Promise<number> {
  const now = options.now ?? (() => new Date());
  const deps: JobDeps = { storeReadReport, readReportFile, ...options.deps };
  let done = 0;
  for (; done < (options.limit ?? 100); done++) {
    const job = await claimNext(db, now());
    if (!job) break;
    if (job.attempts > MAX_ATTEMPTS) {
      const reason = `DMARC report ${job.fileName ?? "(body)"} could not be read: it failed ${MAX_ATTEMPTS} times and was given up`;
      await db.$transaction(async (tx) => {
        // What its last try left unfinished goes with it.
        await tx.dmarcReport.deleteMany({ where: { storingBy: job.id } });
        await finish(tx, job, reason, null);
      }, TRANSACTION_OPTIONS);
      continue;
    }
    try {
      const read = await deps.readReportFile(job.bytes);
      await store(db, job, read, deps);
    } catch (err) {
      await release(db, job);
      throw err;
    }
  }
  await db.dmarcReportJob.deleteMany({ where: { state: "DONE", createdAt: { lt: new Date(now().getTime() - KEEP_DONE_MS) } } });
  // Reports whose writer died and never came back (a job is retried within minutes, then given up).
  await db.dmarcReport.deleteMany({ where: { storingBy: { not: null }, createdAt: { lt: new Date(now().getTime() - STALE_STORING_MS) } } });
  return done;
}
