/**
 * Large byte values (a message's raw source, an attachment) stored as rows of at most BYTES_CHUNK bytes
 * (MessageSourceChunk, AttachmentChunk), issue 19 item 13. Prisma's client engine copies a bound value many times
 * over on its way to the driver (a 20 MB value raised the MTA's resident memory by about 350 MB, and the engine
 * keeps what it grew); one statement per chunk keeps that to a small constant. The chunks are written in the
 * caller's transaction, so a message and its source still commit or fail together.
 *
 * On PostgreSQL a message's chunks may be written before their parent rows, in the same transaction
 * (deferChunkParents): the inbound transaction writes them before it takes the tenant lock, so the lock is not
 * held while they are written.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { Kysely, sql, SqliteAdapter } from "kysely";
import { Prisma } from "./generated/sqlite/client";
import type { Tx } from "./client";
import { sqlOf, type SqlConn } from "./sql";

/** Values larger than this are chunked; smaller ones stay in their row's own column. */
export const CHUNK_VALUES_OVER = 1024 * 1024;
/**
 * 64 KiB: the engine's encoded copies of a chunk stay small enough for V8's young generation, which is reclaimed
 * at once; 128 KiB and more land in its large-object space and pile up until a full collection (measured: a
 * 20 MB message peaked about 70 MB higher with 128 KiB chunks).
 */
export const BYTES_CHUNK = 64 * 1024;
/** Chunks read per statement. */
const READ_BATCH = 8;
/**
 * Chunks written per statement (512 KiB). One statement per chunk cost PostgreSQL a round trip and about 0.45 ms
 * of the MTA's CPU each: 35 MB of chunks took some 500 ms, 250 ms of it CPU, while the message's transaction held
 * its tenant's lock; eight per statement took some 300 ms, 95 ms of it CPU. SQLite is the same either way.
 */
const CHUNKS_PER_STATEMENT = 8;
/**
 * Chunks written per turn of the event loop (1 MiB). better-sqlite3 runs a statement synchronously and Kysely's
 * awaits resolve as microtasks, so a large message's 35 MB of chunks was one macrotask of 60-100 ms in which no
 * other SMTP session was served (issue 15 item 8).
 */
const WRITE_TURN_CHUNKS = 16;

type ChunkTable = { table: "MessageSourceChunk"; key: "messageId" } | { table: "AttachmentChunk"; key: "attachmentId" };

export const SOURCE_CHUNKS: ChunkTable = { table: "MessageSourceChunk", key: "messageId" };
export const ATTACHMENT_CHUNKS: ChunkTable = { table: "AttachmentChunk", key: "attachmentId" };

export function isChunked(bytes: Uint8Array): boolean {
  return bytes.byteLength > CHUNK_VALUES_OVER;
}

/** Writes `bytes` as chunks 0…n-1 of `id`, in the caller's transaction (Kysely or Prisma, see server/db/sql.ts). */
export async function writeChunks(tx: SqlConn, where: ChunkTable, id: string, bytes: Uint8Array): Promise<void> {
  const db = sqlOf(tx);
  // A Kysely transaction binds on the driver (better-sqlite3, pg), which reads exactly the view it is given: no
  // copy (issue 19 item 13). Through Prisma a chunk is copied, so that its engine never sees a view into the whole
  // message.
  const copy = !(tx instanceof Kysely);
  // Prisma's engine copies what it binds many times over: through it, one chunk per statement as before.
  const perStatement = copy ? 1 : CHUNKS_PER_STATEMENT;
  for (let offset = 0, seq = 0, sinceTurn = 0; offset < bytes.byteLength; ) {
    if (sinceTurn >= WRITE_TURN_CHUNKS) {
      await nextTurn();
      sinceTurn = 0;
    }
    const rows: { seq: number; data: Uint8Array }[] = [];
    for (; rows.length < perStatement && offset < bytes.byteLength; offset += BYTES_CHUNK, seq++) {
      const view = bytes.subarray(offset, offset + BYTES_CHUNK);
      rows.push({ seq, data: copy ? new Uint8Array(view) : view });
    }
    sinceTurn += rows.length;
    if (where.table === "MessageSourceChunk") await db.insertInto("MessageSourceChunk").values(rows.map((r) => ({ messageId: id, ...r }))).execute();
    else await db.insertInto("AttachmentChunk").values(rows.map((r) => ({ attachmentId: id, ...r }))).execute();
  }
}

/**
 * Whether chunks are written ahead of their rows on this connection (deferChunkParents): on PostgreSQL, where the
 * inbound transaction's row locks are what other mail waits for. Not on SQLite: there the transaction holds the
 * one write lock from its first write whatever the order, and with its foreign keys deferred SQLite looks up every
 * row inserted in a table others refer to in each referring table while a violation is outstanding (measured:
 * 20 inserts into a table referred to by 300,000 rows, 0.3 ms at once and 190 ms deferred; in the inbound bench
 * the small mail's p99 during large mail rose from 133-262 to 309-423 ms).
 */
export function writesChunksAhead(tx: SqlConn): boolean {
  return !(sqlOf(tx).getExecutor().adapter instanceof SqliteAdapter);
}

/**
 * PostgreSQL: lets this transaction write chunks before the row they belong to (MessageSource, Attachment). The
 * check that the row exists waits for the commit, which fails if it still does not. Only the two chunk keys are
 * deferred, made DEFERRABLE for this (migration 20261208000000_chunk_parents_deferrable), until the transaction ends.
 */
export async function deferChunkParents(tx: SqlConn): Promise<void> {
  if (!writesChunksAhead(tx)) throw new Error("chunks are written ahead of their rows on PostgreSQL only");
  await sql`SET CONSTRAINTS "MessageSourceChunk_messageId_fkey", "AttachmentChunk_attachmentId_fkey" DEFERRED`.execute(sqlOf(tx));
}

/** Deletes the chunks of `id`: chunks written ahead for a row that was not written after all. */
export async function deleteChunks(tx: SqlConn, where: ChunkTable, id: string): Promise<void> {
  const db = sqlOf(tx);
  if (where.table === "MessageSourceChunk") await db.deleteFrom("MessageSourceChunk").where("messageId", "=", id).execute();
  else await db.deleteFrom("AttachmentChunk").where("attachmentId", "=", id).execute();
}

/** The chunks of `id` joined again; an empty buffer when there are none. */
export async function readChunks(db: Tx, where: ChunkTable, id: string): Promise<Buffer> {
  const table = Prisma.raw(`"${where.table}"`);
  const key = Prisma.raw(`"${where.key}"`);
  const parts: Buffer[] = [];
  for (let from = 0; ; from += READ_BATCH) {
    const rows = await db.$queryRaw<{ data: Uint8Array }[]>`
      SELECT "data" FROM ${table} WHERE ${key} = ${id} AND "seq" >= ${from} AND "seq" < ${from + READ_BATCH} ORDER BY "seq"`;
    for (const r of rows) parts.push(Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength));
    if (rows.length < READ_BATCH) break;
  }
  return Buffer.concat(parts);
}
