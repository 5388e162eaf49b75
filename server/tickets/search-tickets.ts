/**
 * Full-text search over a tenant's tickets (issue 21 item 3): subject, sender name and address, new text and
 * full text of every message, on SQLite FTS5 ("MessageSearch") and PostgreSQL ("Message"."searchVector", GIN).
 * Both indexes are kept in step by the database itself (a trigger, a generated column: see the migration
 * 20261206213000_message_search), so no write path calls anything here. The ticket number is found through its
 * unique index, not the text index.
 *
 * Tickets are ranked by their best message (bm25 on SQLite, ts_rank_cd on PostgreSQL); the snippet comes from
 * that message, with the matched words marked. Snippets are returned as segments, never as HTML, so the page
 * renders them as text.
 */
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/sqlite/client";
import { searchWords } from "../search/fold-text";

/** At most this many tickets are ranked for one search; the list says so when a search reaches it. */
export const MAX_SEARCH_TICKETS = 1_000;

/** Marks around a matched word inside the database's snippet; control characters no mail text relies on. */
const HIT_START = "\u0002";
const HIT_END = "\u0003";

export type SearchFilters = {
  /** A client id, or null for tickets without a client. */
  clientId?: string | null;
  requesterId?: string;
  /** A user id, or null for unassigned tickets. */
  assigneeId?: string | null;
};

export type TicketMatch = { ticketId: string; status: string };

export type SnippetSegment = { text: string; hit: boolean };
export type TicketSnippet = { messageId: string; segments: SnippetSegment[] };

function isPostgres(db: object): boolean {
  return (db as { _activeProvider?: string })._activeProvider === "postgresql";
}

/** An FTS5 query: every word must occur; the last may be the start of a word (typing "überw" finds it). */
function fts5Query(words: string[]): string {
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? "*" : ""}`).join(" ");
}

/** The same query for to_tsquery('simple', …). */
function tsQuery(words: string[]): string {
  return words.map((w, i) => `'${w}'${i === words.length - 1 ? ":*" : ""}`).join(" & ");
}

function filterSql(f: SearchFilters): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (f.clientId === null) parts.push(Prisma.sql`AND t."clientId" IS NULL`);
  else if (f.clientId) parts.push(Prisma.sql`AND t."clientId" = ${f.clientId}`);
  if (f.requesterId) parts.push(Prisma.sql`AND t."requesterId" = ${f.requesterId}`);
  if (f.assigneeId === null) parts.push(Prisma.sql`AND t."assigneeId" IS NULL`);
  else if (f.assigneeId) parts.push(Prisma.sql`AND t."assigneeId" = ${f.assigneeId}`);
  return parts.length ? Prisma.join(parts, " ") : Prisma.empty;
}

/**
 * The tenant's tickets whose messages contain every word of `text` (the last as a prefix), best first, at most
 * MAX_SEARCH_TICKETS, every status (the caller counts and filters by status). A text of digits (`1042`, `#1042`)
 * also finds that ticket number, first.
 */
export async function matchTickets(db: Db, tenantId: string, text: string, filters: SearchFilters = {}): Promise<TicketMatch[]> {
  const words = searchWords(text);
  const where = filterSql(filters);
  const matches: TicketMatch[] = [];
  const number = /^\s*#?(\d{1,9})\s*$/.exec(text)?.[1];
  if (number) {
    const byNumber = await db.$queryRaw<TicketMatch[]>`
      SELECT t."id" AS "ticketId", t."status" AS "status" FROM "Ticket" t
      WHERE t."tenantId" = ${tenantId} AND t."number" = ${Number(number)} ${where}`;
    matches.push(...byNumber);
  }
  if (!words.length) return matches;
  const rows = isPostgres(db)
    ? await db.$queryRaw<TicketMatch[]>`
        SELECT t."id" AS "ticketId", t."status" AS "status"
        FROM "Message" m JOIN "Ticket" t ON t."id" = m."ticketId", to_tsquery('simple', ${tsQuery(words)}) q
        WHERE m."searchVector" @@ q AND m."tenantId" = ${tenantId} AND t."tenantId" = ${tenantId} ${where}
        GROUP BY t."id", t."status"
        ORDER BY MAX(ts_rank_cd(m."searchVector", q)) DESC, t."id" DESC
        LIMIT ${MAX_SEARCH_TICKETS}`
    : // bm25() cannot sit inside an aggregate: rank each matching message first, then take each ticket's best.
      await db.$queryRaw<TicketMatch[]>`
        WITH "hits" AS MATERIALIZED (
          SELECT t."id" AS "ticketId", t."status" AS "status", bm25("MessageSearch", 4.0, 3.0, 3.0, 2.0, 1.0) AS "rank"
          FROM "MessageSearch" JOIN "Message" m ON m.rowid = "MessageSearch".rowid JOIN "Ticket" t ON t."id" = m."ticketId"
          WHERE "MessageSearch" MATCH ${fts5Query(words)} AND m."tenantId" = ${tenantId} AND t."tenantId" = ${tenantId} ${where}
        )
        SELECT "ticketId", "status" FROM "hits"
        GROUP BY "ticketId", "status"
        ORDER BY MIN("rank") ASC, "ticketId" DESC
        LIMIT ${MAX_SEARCH_TICKETS}`;
  const seen = new Set(matches.map((m) => m.ticketId));
  for (const r of rows) if (!seen.has(r.ticketId)) matches.push(r);
  return matches;
}

/** Splits a marked snippet into plain and matched segments, whitespace collapsed. */
export function snippetSegments(marked: string): SnippetSegment[] {
  const segments: SnippetSegment[] = [];
  const text = marked.replace(/\s+/g, " ").trim();
  let hit = false;
  for (const part of text.split(new RegExp(`[${HIT_START}${HIT_END}]`))) {
    if (part) segments.push({ text: part, hit });
    hit = !hit;
  }
  return segments;
}

type SnippetRow = { ticketId: string; messageId: string; body: string | null; subject: string | null };

/**
 * For each of `ticketIds`, the snippet of its best-matching message for `text`: the passage around the matched
 * words (body first, else the subject), the words marked.
 */
export async function ticketSnippets(db: Db, tenantId: string, text: string, ticketIds: string[]): Promise<Map<string, TicketSnippet>> {
  const words = searchWords(text);
  const out = new Map<string, TicketSnippet>();
  if (!words.length || !ticketIds.length) return out;
  const ids = Prisma.join(ticketIds);
  const rows = isPostgres(db)
    ? await db.$queryRaw<SnippetRow[]>`
        SELECT DISTINCT ON (m."ticketId") m."ticketId", m."id" AS "messageId",
          ts_headline('simple', left(coalesce(m."textBody", ''), 200000), q, ${`StartSel=${HIT_START}, StopSel=${HIT_END}, MaxWords=24, MinWords=10, MaxFragments=1`}) AS "body",
          ts_headline('simple', m."subject", q, ${`StartSel=${HIT_START}, StopSel=${HIT_END}, HighlightAll=true`}) AS "subject"
        FROM "Message" m, to_tsquery('simple', ${tsQuery(words)}) q
        WHERE m."searchVector" @@ q AND m."tenantId" = ${tenantId} AND m."ticketId" IN (${ids})
        ORDER BY m."ticketId", ts_rank_cd(m."searchVector", q) DESC, m."id"`
    : await db.$queryRaw<SnippetRow[]>`
        SELECT m."ticketId", m."id" AS "messageId",
          snippet("MessageSearch", -1, ${HIT_START}, ${HIT_END}, '…', 24) AS "body", NULL AS "subject"
        FROM "MessageSearch" JOIN "Message" m ON m.rowid = "MessageSearch".rowid
        WHERE "MessageSearch" MATCH ${fts5Query(words)} AND m."tenantId" = ${tenantId} AND m."ticketId" IN (${ids})
        ORDER BY bm25("MessageSearch", 4.0, 3.0, 3.0, 2.0, 1.0) ASC, m."id"`;
  for (const r of rows) {
    if (out.has(r.ticketId)) continue;
    const marked = [r.body, r.subject].find((s) => s?.includes(HIT_START)) ?? r.body ?? r.subject ?? "";
    out.set(r.ticketId, { messageId: r.messageId, segments: snippetSegments(marked) });
  }
  return out;
}
