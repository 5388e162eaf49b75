/**
 * Several reads in one round trip (issue 15). After the tenant's lock, an inbound transaction reads the
 * blocklist, the alert rules, the sender's contact and the client domains its address may route to: on
 * PostgreSQL four round trips while the lock is held, each waiting for a busy event loop. Here they are one
 * statement, each read a sub-select aggregated to a JSON array in its own order; on SQLite (no round trips)
 * they run one after the other as they are.
 *
 * The rows come back as JSON on PostgreSQL: only for reads whose columns JSON keeps as they are (text, numbers,
 * booleans, null), not dates or bytes. The reads see the database as of the one statement, after anything the
 * transaction wrote before it (deferred writes are sent first, server/db/deferred-writes.ts).
 */
import { CompiledQuery, PostgresAdapter } from "kysely";
import { shiftPlaceholders } from "./pg-placeholders";
import type { Sql } from "./sql";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any row type: each read keeps its own
type Read = CompiledQuery<any> | null;
type Rows<T> = { [K in keyof T]: T[K] extends CompiledQuery<infer O> ? O[] : null };

/** The rows of each read, in order; a null read (one the caller does not need this time) gives null. */
export async function readTogether<const T extends readonly Read[]>(db: Sql, reads: T): Promise<Rows<T>> {
  const wanted = reads.filter((r): r is CompiledQuery => r !== null);
  if (!(db.getExecutor().adapter instanceof PostgresAdapter) || wanted.length < 2) {
    const out: (unknown[] | null)[] = [];
    for (const read of reads) out.push(read ? ((await db.executeQuery(read)).rows as unknown[]) : null);
    return out as Rows<T>;
  }
  const parameters: unknown[] = [];
  const columns = wanted.map((read, i) => {
    const offset = parameters.length;
    parameters.push(...read.parameters);
    // A sub-select's ORDER BY is the order json_agg takes its rows in.
    return `(select coalesce(json_agg("t"), '[]'::json) from (${shiftPlaceholders(read.sql, offset)}) as "t") as "r${i}"`;
  });
  const { rows } = await db.executeQuery<Record<string, unknown[]>>(
    CompiledQuery.raw(`select ${columns.join(", ")}`, parameters),
  );
  let next = 0;
  return reads.map((read) => (read ? rows[0]![`r${next++}`] : null)) as Rows<T>;
}
