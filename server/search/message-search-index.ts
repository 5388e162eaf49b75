/**
 * SQLite's message search index ("MessageSearch", FTS5) is filled in batches, behind a mark: see the migration
 * 20261207150000_message_search_batched for why, and for the triggers that keep indexed messages in step.
 *
 * Two callers, so a message is searchable about a second after it arrives and a search never misses one:
 * - the MTA indexes what is pending every MESSAGE_SEARCH_INTERVAL_MS (server/mta/background-jobs.ts), in the
 *   process that runs the periodic jobs;
 * - a search first indexes what is still pending (server/tickets/search-tickets.ts), so a reply sent a moment
 *   ago is found.
 *
 * PostgreSQL keeps its index itself (a generated tsvector column under a GIN index); nothing is pending there.
 */
import type { Db } from "../db/client";
import { providerOf } from "../db/sql";
import { TRANSACTION_OPTIONS } from "../db/transactions";
import { startPeriodicJob, type PeriodicJob } from "../jobs/periodic-job";

/** Messages per transaction: one FTS5 segment each. About a second of inbound mail at the MTA's full rate. */
export const MESSAGE_SEARCH_BATCH = 500;

/** How often the MTA indexes what is pending: a small batch holds the write lock for a few milliseconds. */
export const MESSAGE_SEARCH_INTERVAL_MS = 500;

const isSqlite = (db: Db) => providerOf(db) === "sqlite";

/**
 * Indexes at most `batch` of the messages above the mark, oldest first, in one transaction, and moves the mark
 * past them. Returns how many it indexed (0: nothing was pending). Several processes may call it at once: each
 * reads the mark holding the write lock, so no message is indexed twice.
 */
export async function indexPendingMessages(db: Db, batch: number = MESSAGE_SEARCH_BATCH): Promise<number> {
  if (!isSqlite(db)) return 0;
  return db.$transaction(async (tx) => {
    // A write first: it takes the write lock before the mark is read (the MTA's transactions begin deferred).
    await tx.$executeRaw`UPDATE "MessageSearchProgress" SET "indexedThrough" = "indexedThrough" WHERE "id" = 1`;
    const [range] = await tx.$queryRaw<{ after: number | bigint; through: number | bigint | null }[]>`
      SELECT p."indexedThrough" AS "after",
        (SELECT MAX(r) FROM (SELECT m.rowid AS r FROM "Message" m WHERE m.rowid > p."indexedThrough" ORDER BY m.rowid LIMIT ${batch})) AS "through"
      FROM "MessageSearchProgress" p WHERE p."id" = 1`;
    if (!range || range.through === null) return 0;
    // An explicit range, not "the next `batch`": a message another statement writes meanwhile has a higher rowid
    // and waits for the next batch.
    const after = Number(range.after);
    const through = Number(range.through);
    const indexed = await tx.$executeRaw`
      INSERT INTO "MessageSearch"(rowid, "subject", "fromName", "fromAddress", "newText", "textBody", "tenantId")
      SELECT m.rowid, m."subject", m."fromName", m."fromAddress", m."newText", m."textBody", m."tenantId"
      FROM "Message" m WHERE m.rowid > ${after} AND m.rowid <= ${through}`;
    await tx.$executeRaw`UPDATE "MessageSearchProgress" SET "indexedThrough" = ${through} WHERE "id" = 1`;
    return indexed;
  }, TRANSACTION_OPTIONS);
}

/** Whether a message waits for the index: a read, so an idle gateway or a search with nothing pending writes nothing. */
export async function hasPendingMessages(db: Db): Promise<boolean> {
  if (!isSqlite(db)) return false;
  const rows = await db.$queryRaw<unknown[]>`
    SELECT 1 FROM "Message" WHERE rowid > (SELECT "indexedThrough" FROM "MessageSearchProgress" WHERE "id" = 1) LIMIT 1`;
  return rows.length > 0;
}

/**
 * The MTA's job: what is pending, every MESSAGE_SEARCH_INTERVAL_MS. No lease: one SQLite file has one node, and
 * concurrent batches (a search's) serialise on the write lock.
 */
export function startMessageSearchIndexJob(db: Db, log?: (line: string) => void): PeriodicJob<number> {
  return startPeriodicJob({
    name: "message search indexing",
    intervalMs: MESSAGE_SEARCH_INTERVAL_MS,
    firstRunMs: MESSAGE_SEARCH_INTERVAL_MS,
    ...(log ? { log } : {}),
    run: () => indexAllPendingMessages(db),
  });
}

/** Indexes batch after batch until nothing is pending, or `maxBatches` have run; returns how many it indexed. */
export async function indexAllPendingMessages(
  db: Db,
  options: { batch?: number; maxBatches?: number } = {},
): Promise<number> {
  const batch = options.batch ?? MESSAGE_SEARCH_BATCH;
  let total = 0;
  if (!(await hasPendingMessages(db))) return 0;
  for (let i = 0; i < (options.maxBatches ?? Infinity); i++) {
    const indexed = await indexPendingMessages(db, batch);
    total += indexed;
    if (indexed < batch) break;
  }
  return total;
}
