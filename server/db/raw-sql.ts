/**
 * Raw statements for the per-message hot path (inbound ingestion, activity rows). Why not the model API there:
 * Prisma 6's client engine compiles every model query to a plan in WebAssembly, values inlined, so nothing is
 * reused; that costs about 0.5 ms of CPU per statement, three times what the same statement costs raw (`npm run
 * bench ingest-cpu`). At ten statements per received message it was the largest share of the MTA's CPU.
 * Everything else keeps the model API: it is checked by the compiler and its cost does not matter there.
 *
 * The SQL is the one dialect SQLite and PostgreSQL share (double-quoted identifiers, bound values). Dates are
 * bound as Date and stored by the adapter exactly as the model API stores them (ISO text on SQLite, timestamp(3)
 * on PostgreSQL); there is no DEFAULT for ids or timestamps in the schema, so every insert names them.
 */
import { randomBytes } from "node:crypto";
import { Prisma } from "./generated/sqlite/client";
import type { Tx } from "./client";

/**
 * A value for a raw statement. Booleans are not bound (SQLite has no boolean type to bind to) but written as the
 * literals TRUE and FALSE, which both databases read into their boolean column (SQLite stores 1 and 0).
 */
export type SqlValue = string | number | boolean | Date | Uint8Array | null;

function sqlValue(value: SqlValue): unknown {
  return typeof value === "boolean" ? Prisma.raw(value ? "TRUE" : "FALSE") : value;
}

/**
 * INSERT of one row. `table` and the keys of `row` are identifiers written in code, never input; undefined
 * values are left out, so the column's default applies.
 */
export async function insertRow(tx: Tx, table: string, row: Record<string, SqlValue | undefined>): Promise<void> {
  const entries = Object.entries(row).filter((e): e is [string, SqlValue] => e[1] !== undefined);
  const columns = Prisma.raw(entries.map(([name]) => `"${identifier(name)}"`).join(", "));
  const values = Prisma.join(entries.map(([, value]) => sqlValue(value)));
  await tx.$executeRaw`INSERT INTO ${Prisma.raw(`"${identifier(table)}"`)} (${columns}) VALUES (${values})`;
}

/** `IN (${sqlList(values)})`: one bound value per element; `values` must not be empty. */
export function sqlList(values: readonly SqlValue[]): Prisma.Sql {
  return Prisma.join(values.map(sqlValue));
}

function identifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not an SQL identifier: ${name}`);
  return name;
}

/** Booleans as read back raw: SQLite gives 0/1 (number or bigint), PostgreSQL true/false. */
export function sqlBoolean(value: boolean | number | bigint | null | undefined): boolean {
  return Boolean(Number(value ?? 0));
}

let lastMs = 0;
let counter = 0;

/**
 * A new row id of the same shape as Prisma's cuid(): "c", the time in base 36, a per-process counter, then
 * random characters. Ids made later sort after earlier ones from this process, which keeps rows written in the
 * same millisecond (a message and its activity row, say) in the order they were written in the activity
 * screen's (createdAt, id) order. Lower-case alphanumeric: reply and bounce addresses carry ticket and message
 * ids.
 */
export function newRowId(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    counter = 0;
  }
  counter = (counter + 1) % 36 ** 4;
  let random = "";
  for (const b of randomBytes(12)) random += (b % 36).toString(36);
  return `c${now.toString(36).padStart(9, "0")}${counter.toString(36).padStart(4, "0")}${random.slice(0, 11)}`;
}
