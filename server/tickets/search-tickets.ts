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

/**
 * A search ranks the newest this-many messages that contain its words, not every one: a common word can be in a
 * third of a million messages, and ranking them all costs seconds. Taking the newest matches is cheap on both
 * indexes (FTS5 walks its doclists newest first; PostgreSQL reads the matches' dates), so a page costs about the
 * same whatever the table size, like the Activity screen's scan window. The list says when a search reached it.
 */
export const SEARCH_WINDOW = 2_000;

/** Marks around a matched word inside the database's snippet; control characters no mail text relies on. */
const HIT_START = "\u0002";
const HIT_END = "\u0003";

export type SearchFilters = {
  /** A client id, or null for tickets without a client. */
  clientId?: string | null;
  requesterId?: string;
  /** A user id, or null for unassigned tickets. */
  assigneeId?: string | null;
  /** Only tickets opened by automated mail (true), or only the others (false). */
  automated?: boolean;
};

export type TicketMatch = { ticketId: string; status: string; /** The best-matching message; null for a number. */ messageId: string | null };
export type TicketMatches = { tickets: TicketMatch[]; /** The search reached SEARCH_WINDOW messages. */ windowFull: boolean };

export type SnippetSegment = { text: string; hit: boolean };
export type TicketSnippet = { messageId: string; segments: SnippetSegment[] };

function isPostgres(db: object): boolean {
  return (db as { _activeProvider?: string })._activeProvider === "postgresql";
}

/** The indexed text columns: the user's words never match "tenantId", the last column. */
const TEXT_COLUMNS = `{subject fromName fromAddress newText textBody}`;

/**
 * An FTS5 query: every word must occur in the text columns, the last may be the start of a word (typing "überw"
 * finds it); with a tenant, only that tenant's messages (its id is one token of the "tenantId" column).
 */
function fts5Query(words: string[], tenantId?: string): string {
  const text = `${TEXT_COLUMNS} : (${words.map((w, i) => `"${w}"${i === words.length - 1 ? "*" : ""}`).join(" ")})`;
  return tenantId ? `tenantId : "${tenantId.replace(/"/g, "")}" AND ${text}` : text;
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
  if (f.automated !== undefined) parts.push(f.automated ? Prisma.sql`AND t."automated" = TRUE` : Prisma.sql`AND t."automated" = FALSE`);
  return parts.length ? Prisma.join(parts, " ") : Prisma.empty;
}

/**
 * The tenant's tickets whose messages contain every word of `text` (the last as a prefix), best first, each with
 * its best message, every status (the caller counts and filters by status); among the newest SEARCH_WINDOW
 * matching messages. A text of digits (`1042`, `#1042`) also finds that ticket number, first.
 */
export async function matchTickets(db: Db, tenantId: string, text: string, filters: SearchFilters = {}): Promise<TicketMatches> {
  const words = searchWords(text);
  const where = filterSql(filters);
  const tickets: TicketMatch[] = [];
  const number = /^\s*#?(\d{1,9})\s*$/.exec(text)?.[1];
  if (number) {
    const byNumber = await db.$queryRaw<TicketMatch[]>`
      SELECT t."id" AS "ticketId", t."status" AS "status", NULL AS "messageId" FROM "Ticket" t
      WHERE t."tenantId" = ${tenantId} AND t."number" = ${Number(number)} ${where}`;
    tickets.push(...byNumber);
  }
  if (!words.length) return { tickets, windowFull: false };
  type Row = TicketMatch & { windowRows: number | bigint };
  const rows = isPostgres(db)
    ? await db.$queryRaw<Row[]>`
        WITH "recent" AS MATERIALIZED (
          SELECT m."id" FROM "Message" m
          WHERE m."searchVector" @@ to_tsquery('simple', ${tsQuery(words)}) AND m."tenantId" = ${tenantId}
          ORDER BY m."createdAt" DESC LIMIT ${SEARCH_WINDOW}
        ), "best" AS (
          SELECT DISTINCT ON (t."id") t."id" AS "ticketId", t."status" AS "status", m."id" AS "messageId",
            ts_rank_cd(m."searchVector", to_tsquery('simple', ${tsQuery(words)})) AS "rank"
          FROM "recent" r JOIN "Message" m ON m."id" = r."id" JOIN "Ticket" t ON t."id" = m."ticketId"
          WHERE t."tenantId" = ${tenantId} ${where}
          ORDER BY t."id", "rank" DESC, m."id"
        )
        SELECT "ticketId", "status", "messageId", (SELECT COUNT(*) FROM "recent") AS "windowRows"
        FROM "best" ORDER BY "rank" DESC, "ticketId" DESC`
    : // FTS5 walks the matches newest first (rowid order) and stops at the window; bm25 then ranks those. The
      // message column is the one of the row MIN() picked (SQLite's bare-column rule): the ticket's best message.
      await db.$queryRaw<Row[]>`
        WITH "recent" AS MATERIALIZED (
          SELECT rowid AS "rid", bm25("MessageSearch", 4.0, 3.0, 3.0, 2.0, 1.0, 0.0) AS "rank"
          FROM "MessageSearch" WHERE "MessageSearch" MATCH ${fts5Query(words, tenantId)}
          ORDER BY rowid DESC LIMIT ${SEARCH_WINDOW}
        )
        SELECT t."id" AS "ticketId", t."status" AS "status", m."id" AS "messageId", MIN(r."rank") AS "best",
          (SELECT COUNT(*) FROM "recent") AS "windowRows"
        FROM "recent" r JOIN "Message" m ON m.rowid = r."rid" JOIN "Ticket" t ON t."id" = m."ticketId"
        WHERE m."tenantId" = ${tenantId} AND t."tenantId" = ${tenantId} ${where}
        GROUP BY t."id", t."status"
        ORDER BY "best" ASC, t."id" DESC`;
  const seen = new Set(tickets.map((m) => m.ticketId));
  for (const r of rows) if (!seen.has(r.ticketId)) tickets.push({ ticketId: r.ticketId, status: r.status, messageId: r.messageId });
  return { tickets, windowFull: Number(rows[0]?.windowRows ?? 0) >= SEARCH_WINDOW };
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

type SnippetRow = { messageId: string; body: string | null; subject: string | null };

/**
 * The snippets of `messageIds` for `text`: the passage around the matched words (body first, else the subject),
 * the words marked. Keyed by message id.
 */
export async function messageSnippets(db: Db, tenantId: string, text: string, messageIds: string[]): Promise<Map<string, SnippetSegment[]>> {
  const words = searchWords(text);
  const out = new Map<string, SnippetSegment[]>();
  if (!words.length || !messageIds.length) return out;
  const ids = Prisma.join(messageIds);
  const rows = isPostgres(db)
    ? await db.$queryRaw<SnippetRow[]>`
        SELECT m."id" AS "messageId",
          ts_headline('simple', left(coalesce(m."textBody", ''), 200000), q, ${`StartSel=${HIT_START}, StopSel=${HIT_END}, MaxWords=24, MinWords=10, MaxFragments=1`}) AS "body",
          ts_headline('simple', m."subject", q, ${`StartSel=${HIT_START}, StopSel=${HIT_END}, HighlightAll=true`}) AS "subject"
        FROM "Message" m, to_tsquery('simple', ${tsQuery(words)}) q
        WHERE m."tenantId" = ${tenantId} AND m."id" IN (${ids})`
    : await db.$queryRaw<SnippetRow[]>`
        SELECT m."id" AS "messageId", snippet("MessageSearch", -1, ${HIT_START}, ${HIT_END}, '…', 24) AS "body", NULL AS "subject"
        FROM "MessageSearch" JOIN "Message" m ON m.rowid = "MessageSearch".rowid
        WHERE "MessageSearch" MATCH ${fts5Query(words)} AND "MessageSearch".rowid IN (
          SELECT rowid FROM "Message" WHERE "tenantId" = ${tenantId} AND "id" IN (${ids})
        )`;
  for (const r of rows) {
    const marked = [r.body, r.subject].find((s) => s?.includes(HIT_START)) ?? r.body ?? r.subject ?? "";
    out.set(r.messageId, snippetSegments(marked));
  }
  return out;
}
