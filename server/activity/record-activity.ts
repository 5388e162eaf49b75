/**
 * Activity-log writes (R-ACT-1): one row per inbound or outbound email and per state change, written inside the
 * same transaction as the change it describes, so the log never claims what did not commit. Values are bounded
 * here — the log is filtered and listed at millions of rows, and sender-controlled text has no length limit.
 */
import type { ActivityDirection, ActivityOutcome } from "./activity-kinds";
import { newRowId } from "../db/raw-sql";
import { columnsOf, preparedQuery } from "../db/prepared";
import { sqlOf, type SqlConn } from "../db/sql";
import type { DB } from "../db/generated/kysely/types";
import type { Insertable } from "kysely";

export type { ActivityDirection, ActivityOutcome } from "./activity-kinds";

export type ActivityRow = {
  tenantId: string;
  direction: ActivityDirection;
  outcome: ActivityOutcome;
  reason?: string | null;
  envelopeFrom?: string | null;
  envelopeTo?: string | null;
  fromAddress?: string | null;
  toAddress?: string | null;
  subject?: string | null;
  messageIdHeader?: string | null;
  ticketId?: string | null;
  messageId?: string | null;
  blocklistEntryId?: string | null;
  /** The alert rule that decided an inbound message's fate (R-AUTO-2). */
  alertRuleId?: string | null;
  /** R-AUTO-3: each inbound decision in words, in the order it was taken. */
  decisions?: readonly string[] | null;
  spf?: string | null;
  dkim?: string | null;
  dmarc?: string | null;
  arc?: string | null;
  remoteReply?: string | null;
  bounceDetail?: string | null;
  /** Outbound DEFERRED rows: when the next attempt is due (R-OUT-4). */
  nextAttemptAt?: Date | null;
  processingMs?: number | null;
  remoteIp?: string | null;
  /** [name, value] pairs in order; stored as JSON for the detail view. */
  headers?: readonly (readonly [string, string])[] | null;
  createdAt?: Date;
};

const SHORT = 998;
/**
 * Indexed columns (addresses, subject) stay well under PostgreSQL's B-tree entry limit (2704 bytes) even in
 * 3-byte UTF-8, so a message with a huge To list or subject can never fail its ingest transaction.
 */
const INDEXED = 500;
const LONG = 4_000;
const HEADERS_JSON_MAX = 64 * 1024;

function cut(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  // No control characters in log fields: they come from mail and end up in a browser table.
  const clean = value.replace(/[^\P{Cc}\t\n\r]/gu, "");
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** The headers as JSON, dropping trailing fields when the whole would exceed the bound. */
function headersJson(headers: ActivityRow["headers"]): string | null {
  if (!headers?.length) return null;
  const kept: [string, string][] = [];
  let size = 2;
  for (const [name, value] of headers) {
    const pair: [string, string] = [name.slice(0, 200), value.slice(0, 8_000)];
    size += JSON.stringify(pair).length + 1;
    if (size > HEADERS_JSON_MAX) break;
    kept.push(pair);
  }
  return JSON.stringify(kept);
}

const COLUMNS = [
  "id",
  "createdAt",
  "tenantId",
  "direction",
  "outcome",
  "reason",
  "envelopeFrom",
  "envelopeTo",
  "fromAddress",
  "toAddress",
  "subject",
  "messageIdHeader",
  "ticketId",
  "messageId",
  "blocklistEntryId",
  "alertRuleId",
  "decisionsJson",
  "spf",
  "dkim",
  "dmarc",
  "arc",
  "remoteReply",
  "bounceDetail",
  "nextAttemptAt",
  "processingMs",
  "remoteIp",
  "headersJson",
] as const;
type Columns = { [C in (typeof COLUMNS)[number]]-?: Exclude<Insertable<DB["ActivityLog"]>[C], undefined> };
/** Every column given every time: one statement shape, compiled once (server/db/prepared.ts). */
const insertRow = preparedQuery((db, p: Columns) => db.insertInto("ActivityLog").values(columnsOf(p, COLUMNS)));

/** Written through Kysely (server/db/sql.ts): one row per message on the MTA's hot path. */
export async function recordActivity(db: SqlConn, row: ActivityRow): Promise<{ id: string }> {
  const id = newRowId();
  await insertRow.defer(sqlOf(db), {
    id,
    createdAt: row.createdAt ?? new Date(),
    tenantId: row.tenantId,
    direction: row.direction,
    outcome: row.outcome,
    reason: cut(row.reason, SHORT),
    envelopeFrom: cut(row.envelopeFrom, SHORT),
    envelopeTo: cut(row.envelopeTo, LONG),
    // Lower-case, so the exact-address filter is an index equality (R-ACT-2).
    fromAddress: cut(row.fromAddress?.toLowerCase(), INDEXED),
    toAddress: cut(row.toAddress?.toLowerCase(), INDEXED),
    subject: cut(row.subject, INDEXED),
    messageIdHeader: cut(row.messageIdHeader, SHORT),
    ticketId: row.ticketId ?? null,
    messageId: row.messageId ?? null,
    blocklistEntryId: row.blocklistEntryId ?? null,
    alertRuleId: row.alertRuleId ?? null,
    decisionsJson: row.decisions?.length
      ? JSON.stringify(row.decisions.slice(0, 20).map((d) => cut(d, SHORT)))
      : null,
    spf: cut(row.spf, 40),
    dkim: cut(row.dkim, 40),
    dmarc: cut(row.dmarc, 40),
    arc: cut(row.arc, 40),
    remoteReply: cut(row.remoteReply, LONG),
    bounceDetail: cut(row.bounceDetail, LONG),
    nextAttemptAt: row.nextAttemptAt ?? null,
    processingMs:
      row.processingMs === null || row.processingMs === undefined ? null : Math.max(0, Math.round(row.processingMs)),
    remoteIp: cut(row.remoteIp, 64),
    headersJson: headersJson(row.headers),
  });
  return { id };
}
