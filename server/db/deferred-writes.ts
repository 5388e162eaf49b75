/**
 * Deferred writes (issue 15): on PostgreSQL every statement of a transaction is a round trip, and on the MTA's
 * hot path each round trip waits for a busy event loop while the tenant's lock is held, so the lock, not the
 * CPU, capped PostgreSQL throughput. The inserts and counter updates at the end of an inbound transaction need
 * no answer (their ids are made in the process), so they are marked deferred: the PostgreSQL connection keeps
 * them until the transaction's next statement that does need an answer, or its COMMIT, and sends them together
 * as one statement (data-modifying WITH clauses). A read after deferred writes still sees them, because they are
 * sent before it; an error in one (a duplicate's unique key) fails the transaction at that point, whole.
 *
 * SQLite has no round trips (better-sqlite3 runs in the process): its connection ignores the mark and runs a
 * deferred write at once, as does any connection outside a transaction.
 *
 * Only statements that bind every value as a parameter may be deferred (a prepared query, or a built one whose
 * values Kysely binds): joining renumbers their `$n` placeholders.
 */
import type { CompiledQuery } from "kysely";
import { shiftPlaceholders } from "./pg-placeholders";

const DEFERRED = Symbol("deferred write");

export type DeferredQuery = CompiledQuery & { readonly [DEFERRED]: true };

/** `query`, marked as a write whose result nobody reads. */
export function deferredWrite(query: CompiledQuery): DeferredQuery {
  return { ...query, [DEFERRED]: true };
}

export function isDeferredWrite(query: CompiledQuery): query is DeferredQuery {
  return (query as Partial<DeferredQuery>)[DEFERRED] === true;
}

type Write = { table: string; changesRows: boolean };

/** The table a write goes to, and whether it changes rows that may exist (UPDATE, DELETE) or only adds (INSERT). */
function writeOf(sql: string): Write {
  const match = /^\s*(insert\s+into|update|delete\s+from)\s+"([^"]+)"/i.exec(sql);
  if (!match) throw new Error(`deferred write: not an INSERT, UPDATE or DELETE: ${sql.slice(0, 80)}`);
  return { table: match[2]!, changesRows: !/^insert/i.test(match[1]!) };
}

/**
 * The statements that send `writes` in order with as few round trips as one statement allows. Sub-statements of
 * one WITH do not see each other's changes and their order is unspecified, so a write to a table already written
 * in the batch starts a new one when either of the two updates or deletes (an insert and an update of the same
 * row must not race); inserts into one table (a message's attachments, activity rows) share a batch. Foreign
 * keys are checked at the end of the statement, so a row and the rows that refer to it can share one.
 */
export function joinDeferredWrites(writes: readonly CompiledQuery[]): CompiledQuery[] {
  const batches: CompiledQuery[][] = [];
  let batch: CompiledQuery[] = [];
  let tables = new Map<string, boolean>();
  for (const write of writes) {
    const { table, changesRows } = writeOf(write.sql);
    const before = tables.get(table);
    if (before !== undefined && (before || changesRows)) {
      batches.push(batch);
      batch = [];
      tables = new Map();
    }
    batch.push(write);
    tables.set(table, (tables.get(table) ?? false) || changesRows);
  }
  if (batch.length) batches.push(batch);
  return batches.map(joinBatch);
}

function joinBatch(batch: CompiledQuery[]): CompiledQuery {
  if (batch.length === 1) return batch[0]!;
  const parameters: unknown[] = [];
  const clauses = batch.map((write, i) => {
    const offset = parameters.length;
    parameters.push(...write.parameters);
    return `"w${i}" as (${shiftPlaceholders(write.sql, offset)})`;
  });
  return {
    query: batch[0]!.query,
    queryId: batch[0]!.queryId,
    sql: `with ${clauses.join(", ")} select 1`,
    parameters,
  };
}
