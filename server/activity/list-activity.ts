/**
 * Reading the activity log (R-ACT-2): the filtered, cursor-paginated list, one row's detail, and the volume
 * chart. Built to stay fast at millions of rows on SQLite and PostgreSQL (`npm run bench:activity` measures it):
 *
 * - Order is newest first on (createdAt, id); pages continue from a keyset cursor, never an OFFSET, and every
 *   filter that narrows by an indexed column (direction, outcome, date range, exact address) walks an index
 *   whose columns end in (createdAt, id), so a page costs about its own size however deep it is.
 * - A subject search (`contains`) and an address prefix cannot be answered from those indexes in date order.
 *   They are bounded instead: each page looks through at most SCAN_WINDOW of the newest rows that match the
 *   other filters and says how far back it looked (`scan`); the next page carries on from there. The screen
 *   tells the user so ("Searched back to …, search older"). The cost of a page is then capped whatever the
 *   table size, and the search still reaches every row when followed.
 */
import { z } from "zod";
import type { Db } from "../db/client";
import { providerOf } from "../db/sql";
import { AppError } from "../errors";
import { containsInsensitive } from "../clients/prisma-errors";
import { foldText } from "../search/fold-text";
import { ACTIVITY_DIRECTIONS, ACTIVITY_OUTCOMES, type ActivityDirection, type ActivityOutcome } from "./activity-kinds";

export const ACTIVITY_PAGE_SIZE = 50;
/** Rows a subject or address-prefix search looks through per page (see the file header). */
export const SCAN_WINDOW = 5_000;

const cursorPattern = /^\d{13}\.[a-z0-9]{1,40}$/;

export const listActivityInput = z
  .object({
    /** Not `direction`: tRPC's infinite queries put their own `direction` (forward/backward) in the input. */
    messageDirection: z.enum(ACTIVITY_DIRECTIONS).optional(),
    outcome: z.enum(ACTIVITY_OUTCOMES).optional(),
    /** Inclusive start of the date range. */
    from: z.date().optional(),
    /** Exclusive end of the date range. */
    to: z.date().optional(),
    address: z
      .string()
      .trim()
      .toLowerCase()
      .max(320, "An email address is at most 320 characters.")
      .optional()
      .transform((s) => s || undefined),
    /** exact: the whole From or To address (indexed); prefix: addresses that start with it (bounded scan). */
    addressMatch: z.enum(["exact", "prefix"]).default("exact"),
    /** Which address the filter looks at: the sender, the recipient, or either. */
    addressField: z.enum(["any", "from", "to"]).default("any"),
    subject: z
      .string()
      .trim()
      .max(200, "Search for at most 200 characters of the subject.")
      .optional()
      // NFC: a "ü" typed as u + combining diaeresis is the "ü" stored subjects hold.
      .transform((s) => s?.normalize("NFC") || undefined),
    cursor: z.string().regex(cursorPattern, "That page link is not valid any more.").optional(),
    limit: z.number().int().min(1).max(200).default(ACTIVITY_PAGE_SIZE),
  })
  .refine((v) => !v.from || !v.to || v.from < v.to, { message: "The end of the range must be after its start.", path: ["to"] });
export type ListActivityInput = z.input<typeof listActivityInput>;

export type ActivityListRow = {
  id: string;
  createdAt: Date;
  direction: ActivityDirection;
  outcome: ActivityOutcome;
  reason: string | null;
  fromAddress: string | null;
  toAddress: string | null;
  subject: string | null;
  ticketId: string | null;
};

export type ActivityPage = {
  rows: ActivityListRow[];
  /** Pass back as `cursor` for the next (older) page; null when there is nothing older. */
  nextCursor: string | null;
  /**
   * Set when a subject or prefix search stopped at its scan window: it looked at rows back to `scannedBackTo`
   * and there may be older matches (follow `nextCursor`).
   */
  scan: { scannedBackTo: Date } | null;
};

type Key = { createdAt: Date; id: string };

export function encodeActivityCursor(key: Key): string {
  return `${String(key.createdAt.getTime()).padStart(13, "0")}.${key.id}`;
}

function decodeCursor(cursor: string): Key {
  const dot = cursor.indexOf(".");
  return { createdAt: new Date(Number(cursor.slice(0, dot))), id: cursor.slice(dot + 1) };
}

/** Rows strictly older than `key` in (createdAt desc, id desc) order, written so the index range starts at `key`. */
function olderThan(key: Key) {
  return { AND: [{ createdAt: { lte: key.createdAt } }, { OR: [{ createdAt: { lt: key.createdAt } }, { id: { lt: key.id } }] }] };
}

/** Rows at `key` or newer. */
function notOlderThan(key: Key) {
  return { AND: [{ createdAt: { gte: key.createdAt } }, { OR: [{ createdAt: { gt: key.createdAt } }, { id: { gte: key.id } }] }] };
}

/**
 * `startsWith` with the prefix taken literally. SQLite: a BINARY range (LIKE there ignores case and has no escape
 * character in Prisma's SQL); PostgreSQL: LIKE with `%`, `_` and `\\` escaped.
 */
function startsWith(db: object, prefix: string): object {
  if (providerOf(db) === "postgresql") return { startsWith: prefix.replace(/[\\%_]/g, (c) => `\\${c}`) };
  return { gte: prefix, lt: `${prefix}\u{10FFFF}` };
}

/**
 * B1: SQLite's LIKE ignores the case of ASCII letters only, so "überweisung" would miss "Überweisung" there.
 * PostgreSQL's ILIKE folds every letter under a UTF-8 LC_CTYPE.
 */
function sqliteFoldsTooLittle(db: object, text: string): boolean {
  return providerOf(db) !== "postgresql" && [...text].some((c) => !isAscii(c));
}

/** The text with every non-ASCII character as LIKE's one-character wildcard (Prisma's SQLite `contains` is a bare LIKE). */
function nonAsciiAsWildcards(text: string): string {
  return [...text].map((c) => (isAscii(c) ? c : "_")).join("");
}

function isAscii(char: string): boolean {
  return char.codePointAt(0)! <= 0x7f;
}

const ORDER = [{ createdAt: "desc" as const }, { id: "desc" as const }];

const listSelect = {
  id: true,
  createdAt: true,
  direction: true,
  outcome: true,
  reason: true,
  fromAddress: true,
  toAddress: true,
  subject: true,
  ticketId: true,
} as const;

/**
 * One page of the tenant's activity, newest first, with the filters of R-ACT-2. See the file header for what
 * stays indexed and what is a bounded scan.
 */
export async function listActivity(db: Db, args: { tenantId: string } & ListActivityInput): Promise<ActivityPage> {
  const parsed = listActivityInput.safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("BAD_INPUT", issue?.message ?? "Invalid filter.", {
      field: issue?.path.map(String).join(".") || "form",
      cause: parsed.error,
    });
  }
  const f = parsed.data;
  const cursor = f.cursor ? decodeCursor(f.cursor) : null;

  // The indexed part: tenant, direction, outcome, date range, exact address, cursor.
  const indexed = [
    { tenantId: args.tenantId },
    ...(f.messageDirection ? [{ direction: f.messageDirection }] : []),
    ...(f.outcome ? [{ outcome: f.outcome }] : []),
    ...(f.from ? [{ createdAt: { gte: f.from } }] : []),
    ...(f.to ? [{ createdAt: { lt: f.to } }] : []),
    ...(cursor ? [olderThan(cursor)] : []),
  ];
  const addressColumns = f.addressField === "any" ? (["fromAddress", "toAddress"] as const) : f.addressField === "from" ? (["fromAddress"] as const) : (["toAddress"] as const);
  const addressWhere = (test: object) =>
    addressColumns.length === 1 ? { [addressColumns[0]]: test } : { OR: addressColumns.map((c) => ({ [c]: test })) };
  // Exact on either address with nothing scanned: two index-ordered queries merged below, not one OR (which
  // PostgreSQL answers by collecting and sorting every row of a busy address).
  const splitEither = Boolean(f.address && f.addressMatch === "exact" && addressColumns.length === 2 && !f.subject);
  if (f.address && f.addressMatch === "exact" && !splitEither) indexed.push(addressWhere({ equals: f.address }) as never);

  // The scanned part: subject contains, address prefix.
  const scanned: object[] = [];
  const foldInCode = Boolean(f.subject && sqliteFoldsTooLittle(db, f.subject));
  if (f.subject) scanned.push({ subject: foldInCode ? { contains: nonAsciiAsWildcards(f.subject) } : containsInsensitive(db, f.subject) });
  if (f.address && f.addressMatch === "prefix") scanned.push(addressWhere(startsWith(db, f.address)));

  let windowEnd: Key | null = null;
  if (scanned.length) {
    // The oldest row of the window: the SCAN_WINDOW-th row matching the indexed filters (an index-only walk).
    const edge = await db.activityLog.findMany({
      where: { AND: indexed },
      orderBy: ORDER,
      skip: SCAN_WINDOW - 1,
      take: 1,
      select: { createdAt: true, id: true },
    });
    windowEnd = edge[0] ?? null;
  }

  const where = { AND: [...indexed, ...scanned, ...(windowEnd ? [notOlderThan(windowEnd)] : [])] };
  let rows;
  if (splitEither) {
    const [byFrom, byTo] = await Promise.all(
      addressColumns.map((c) =>
        db.activityLog.findMany({ where: { AND: [...where.AND, { [c]: f.address }] }, orderBy: ORDER, take: f.limit + 1, select: listSelect }),
      ),
    );
    const seen = new Set<string>();
    rows = [...byFrom!, ...byTo!]
      .filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, f.limit + 1);
  } else if (foldInCode) {
    // Candidates of the bounded window (a LIKE with every non-ASCII letter a wildcard), then the exact Unicode test.
    const needle = foldText(f.subject!);
    const candidates = await db.activityLog.findMany({ where, orderBy: ORDER, select: { id: true, subject: true } });
    const ids = candidates.filter((c) => foldText(c.subject ?? "").includes(needle)).slice(0, f.limit + 1).map((c) => c.id);
    rows = await db.activityLog.findMany({ where: { id: { in: ids } }, orderBy: ORDER, select: listSelect });
  } else {
    rows = await db.activityLog.findMany({ where, orderBy: ORDER, take: f.limit + 1, select: listSelect });
  }
  const page = rows.slice(0, f.limit).map((r) => ({ ...r, direction: r.direction as ActivityDirection, outcome: r.outcome as ActivityOutcome }));
  if (rows.length > f.limit) {
    return { rows: page, nextCursor: encodeActivityCursor(page[page.length - 1]!), scan: null };
  }
  if (windowEnd) {
    return { rows: page, nextCursor: encodeActivityCursor(windowEnd), scan: { scannedBackTo: windowEnd.createdAt } };
  }
  return { rows: page, nextCursor: null, scan: null };
}

export type ActivityDetail = ActivityListRow & {
  envelopeFrom: string | null;
  envelopeTo: string | null;
  messageIdHeader: string | null;
  spf: string | null;
  dkim: string | null;
  dmarc: string | null;
  arc: string | null;
  remoteReply: string | null;
  bounceDetail: string | null;
  nextAttemptAt: Date | null;
  processingMs: number | null;
  remoteIp: string | null;
  /** The alert rule that decided this message's fate (R-AUTO-2), if it still exists. */
  alertRule: { id: string; name: string } | null;
  /** R-AUTO-3: each inbound decision in words (class, rule, fold target, acknowledgement). */
  decisions: string[];
  headers: [string, string][];
  ticket: { id: string; number: number; subject: string } | null;
  blocklistEntry: { id: string; kind: string; value: string; removedAt: Date | null } | null;
};

function parseHeaders(json: string | null): [string, string][] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    if (!Array.isArray(value)) return [];
    return value.filter((p): p is [string, string] => Array.isArray(p) && typeof p[0] === "string" && typeof p[1] === "string");
  } catch {
    return [];
  }
}

/** Everything about one activity row (R-ACT-2 detail view). NOT_FOUND unless it is the tenant's. */
export async function getActivityEntry(db: Db, args: { tenantId: string; id: string }): Promise<ActivityDetail> {
  const row = await db.activityLog.findFirst({ where: { id: args.id, tenantId: args.tenantId } });
  if (!row) throw new AppError("NOT_FOUND", "That activity entry does not exist (it may have been purged).");
  const [ticket, blocklistEntry, alertRule] = await Promise.all([
    row.ticketId
      ? db.ticket.findFirst({ where: { id: row.ticketId, tenantId: args.tenantId }, select: { id: true, number: true, subject: true } })
      : null,
    row.blocklistEntryId
      ? db.blocklistEntry.findFirst({
          where: { id: row.blocklistEntryId, tenantId: args.tenantId },
          select: { id: true, kind: true, value: true, removedAt: true },
        })
      : null,
    row.alertRuleId
      ? db.alertRule.findFirst({ where: { id: row.alertRuleId, tenantId: args.tenantId }, select: { id: true, name: true } })
      : null,
  ]);
  const { headersJson, decisionsJson, tenantId: _tenantId, blocklistEntryId: _b, alertRuleId: _r, messageId: _m, ...rest } = row;
  return {
    ...rest,
    direction: row.direction as ActivityDirection,
    outcome: row.outcome as ActivityOutcome,
    headers: parseHeaders(headersJson),
    ticket,
    blocklistEntry,
    alertRule,
    decisions: parseDecisions(decisionsJson),
  };
}

/** R-AUTO-3: the inbound decisions in words, as the MTA wrote them. */
function parseDecisions(json: string | null): string[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((d): d is string => typeof d === "string") : [];
  } catch {
    return [];
  }
}

export const activityVolumeInput = z.object({
  /** Number of days up to and including today (UTC). */
  days: z.number().int().min(1).max(90).default(14),
});
export type ActivityVolumeInput = z.input<typeof activityVolumeInput>;

export type ActivityVolume = {
  /** One bucket per UTC day, oldest first. */
  buckets: { start: Date; counts: Record<ActivityOutcome, number> }[];
};

const DAY = 86_400_000;

/** Log entries per UTC day and outcome over the last `days` days: the small chart above the list. */
export async function activityVolume(
  db: Db,
  args: { tenantId: string; now?: Date } & ActivityVolumeInput,
): Promise<ActivityVolume> {
  const { days } = activityVolumeInput.parse({ days: args.days });
  const now = args.now ?? new Date();
  const today = Math.floor(now.getTime() / DAY) * DAY;
  const starts = Array.from({ length: days }, (_, i) => new Date(today - (days - 1 - i) * DAY));
  const since = new Date(today - (days - 1) * DAY);
  // One grouped pass over the (tenantId, createdAt, outcome) index. SQLite keeps DateTime as ISO text (the
  // adapter writes `…+00:00`), so its day is the first 10 characters; PostgreSQL truncates the timestamp.
  const provider = providerOf(db);
  const grouped =
    provider === "postgresql"
      ? await db.$queryRaw<{ day: string; outcome: string; n: bigint | number }[]>`
          SELECT to_char(date_trunc('day', "createdAt"), 'YYYY-MM-DD') AS "day", "outcome", COUNT(*) AS "n"
          FROM "ActivityLog" WHERE "tenantId" = ${args.tenantId} AND "createdAt" >= ${since}
          GROUP BY 1, 2`
      : await db.$queryRaw<{ day: string; outcome: string; n: bigint | number }[]>`
          SELECT substr("createdAt", 1, 10) AS "day", "outcome", COUNT(*) AS "n"
          FROM "ActivityLog" WHERE "tenantId" = ${args.tenantId} AND "createdAt" >= ${since.toISOString().replace("Z", "+00:00")}
          GROUP BY 1, 2`;
  const buckets = starts.map((start) => ({
    start,
    counts: Object.fromEntries(ACTIVITY_OUTCOMES.map((o) => [o, 0])) as Record<ActivityOutcome, number>,
  }));
  const byDay = new Map(buckets.map((b) => [b.start.toISOString().slice(0, 10), b]));
  for (const g of grouped) {
    const bucket = byDay.get(g.day);
    if (bucket && g.outcome in bucket.counts) bucket.counts[g.outcome as ActivityOutcome] += Number(g.n);
  }
  return { buckets };
}
