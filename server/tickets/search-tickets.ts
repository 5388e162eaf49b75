/**
 * Full-text search over a tenant's tickets (issue 21 item 3): subject, sender name and address, new text and
 * full text of every message, on SQLite FTS5 ("MessageSearch") and PostgreSQL ("Message"."searchVector", GIN).
 * PostgreSQL keeps its index in step itself (a generated column: see the migration 20261206213000_message_search);
 * SQLite's is filled in batches (server/search/message-search-index.ts), and a search first indexes what is
 * still pending, so no write path calls anything here either way. The ticket number is found through its
 * unique index, not the text index.
 *
 * What a search costs must not grow with the table (the Tickets list at a million messages: npm run
 * bench:search). So the index is asked only for what it answers cheaply at any size: the tenant's newest
 * matching messages, newest first, stopping at SEARCH_WINDOW. Nothing asks it for a relevance score: SQLite's
 * bm25() and a rank-ordered MATCH read every matching message of the table to weigh each word, seconds for a
 * common word. The window is ranked here instead (rankMatches), by where the words are, and the snippets of the
 * one page shown are cut here too (server/search/match-words.ts), the same way on both databases.
 *
 * The last word is a prefix only while it is being typed: when no message of the tenant has it as a whole word
 * ("überw", "certif"). A whole word matches that word: on SQLite a prefix reads the doclists of every word it
 * begins, all at once, so "printer*" would cost as much as reading every message about printers.
 */
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/sqlite/client";
import { providerOf } from "../db/sql";
import { searchWords } from "../search/fold-text";
import { indexAllPendingMessages } from "../search/message-search-index";
import { containsAll, snippet, type SnippetSegment, type WordQuery } from "../search/match-words";

export type { SnippetSegment } from "../search/match-words";

/**
 * A search ranks the newest this-many messages that contain its words, not every one: a common word can be in a
 * third of a million messages. Taking the newest matches is cheap on both indexes (FTS5 walks its doclists newest
 * first; PostgreSQL walks the tenant's messages by date, or reads a rare word's few matches from the GIN index),
 * so a page costs about the same whatever the table size. The list says when a search reached it.
 */
export const SEARCH_WINDOW = 1_000;

export type SearchFilters = {
  /** A client id, or null for tickets without a client. */
  clientId?: string | null;
  requesterId?: string;
  /** A user id, or null for unassigned tickets. */
  assigneeId?: string | null;
  /** Only tickets opened by automated mail (true), or only the others (false). */
  automated?: boolean;
};

export type TicketMatch = {
  ticketId: string;
  status: string;
  /** The message the snippet comes from (the ticket's newest matching one); null for a number. */
  messageId: string | null;
};
export type TicketMatches = {
  tickets: TicketMatch[];
  /** The search reached SEARCH_WINDOW messages. */
  windowFull: boolean;
  /** The words as searched, for the snippets of the page shown (messageSnippets). */
  query: WordQuery;
};
export type TicketSnippet = { messageId: string; segments: SnippetSegment[] };

/** One matching message of the window, newest first, with what ranking looks at. */
export type WindowRow = {
  messageId: string;
  ticketId: string;
  status: string;
  ticketSubject: string;
  fromName: string | null;
  fromAddress: string;
};

function isPostgres(db: object): boolean {
  return providerOf(db) === "postgresql";
}

/** The indexed text columns: the user's words never match "tenantId", the last column. */
const TEXT_COLUMNS = `{subject fromName fromAddress newText textBody}`;

/** An FTS5 query: every word in the text columns (the last maybe a prefix), only in the tenant's messages. */
function fts5Query(q: WordQuery, tenantId: string): string {
  const last = q.words.length - 1;
  const words = q.words.map((w, i) => `"${w}"${q.prefixLast && i === last ? "*" : ""}`).join(" ");
  return `tenantId : "${tenantId.replace(/"/g, "")}" AND ${TEXT_COLUMNS} : (${words})`;
}

/** The same query for to_tsquery('simple', …). Words hold only letters, digits and marks (searchWords). */
function tsQuery(q: WordQuery): string {
  const last = q.words.length - 1;
  return q.words.map((w, i) => `'${w}'${q.prefixLast && i === last ? ":*" : ""}`).join(" & ");
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
 * The words of `text` as the indexes are asked for them: the last one a prefix unless a message of the tenant
 * has it as a whole word (one index lookup that stops at the first such message).
 */
export async function wordQuery(db: Db, tenantId: string, text: string): Promise<WordQuery> {
  const words = searchWords(text);
  if (!words.length) return { words, prefixLast: false };
  const whole: WordQuery = { words: words.slice(-1), prefixLast: false };
  const found = isPostgres(db)
    ? await db.$queryRaw<unknown[]>`
        SELECT 1 FROM "Message" WHERE "tenantId" = ${tenantId} AND "searchVector" @@ to_tsquery('simple', ${tsQuery(whole)}) LIMIT 1`
    : await db.$queryRaw<unknown[]>`
        SELECT 1 FROM "MessageSearch" WHERE "MessageSearch" MATCH ${fts5Query(whole, tenantId)} LIMIT 1`;
  return { words, prefixLast: found.length === 0 };
}

/** The tenant's newest SEARCH_WINDOW messages containing the words, newest first, within the filters. */
async function windowRows(db: Db, tenantId: string, q: WordQuery, where: Prisma.Sql): Promise<{ rows: WindowRow[]; full: boolean }> {
  type Row = WindowRow & { windowRows: number | bigint };
  const rows = isPostgres(db)
    ? await db.$queryRaw<Row[]>`
        WITH "recent" AS MATERIALIZED (
          SELECT m."id", m."ticketId", m."fromName", m."fromAddress", m."createdAt" FROM "Message" m
          WHERE m."tenantId" = ${tenantId} AND m."searchVector" @@ to_tsquery('simple', ${tsQuery(q)})
          ORDER BY m."createdAt" DESC LIMIT ${SEARCH_WINDOW}
        )
        SELECT r."id" AS "messageId", t."id" AS "ticketId", t."status", t."subject" AS "ticketSubject",
          r."fromName", r."fromAddress", (SELECT COUNT(*) FROM "recent") AS "windowRows"
        FROM "recent" r JOIN "Ticket" t ON t."id" = r."ticketId"
        WHERE t."tenantId" = ${tenantId} ${where}
        ORDER BY r."createdAt" DESC, r."id" DESC`
    : // FTS5 walks the tenant's matches newest first (rowid order) and stops at the window.
      await db.$queryRaw<Row[]>`
        WITH "recent" AS MATERIALIZED (
          SELECT rowid AS "rid" FROM "MessageSearch" WHERE "MessageSearch" MATCH ${fts5Query(q, tenantId)}
          ORDER BY rowid DESC LIMIT ${SEARCH_WINDOW}
        )
        SELECT m."id" AS "messageId", t."id" AS "ticketId", t."status", t."subject" AS "ticketSubject",
          m."fromName", m."fromAddress", (SELECT COUNT(*) FROM "recent") AS "windowRows"
        FROM "recent" r JOIN "Message" m ON m.rowid = r."rid" JOIN "Ticket" t ON t."id" = m."ticketId"
        WHERE m."tenantId" = ${tenantId} AND t."tenantId" = ${tenantId} ${where}
        ORDER BY r."rid" DESC`;
  return { rows, full: Number(rows[0]?.windowRows ?? 0) >= SEARCH_WINDOW };
}

/**
 * The tickets of a window, best first: the words in the ticket's subject, then in a sender's name or address,
 * then the tickets with more matching messages, then the newest match. Each with its newest matching message.
 */
export function rankMatches(rows: WindowRow[], q: WordQuery): TicketMatch[] {
  type Ranked = TicketMatch & { place: number; hits: number; subject: boolean; sender: boolean };
  const byTicket = new Map<string, Ranked>();
  rows.forEach((r, place) => {
    const sender = containsAll(`${r.fromName ?? ""} ${r.fromAddress}`, q);
    const seen = byTicket.get(r.ticketId);
    if (seen) {
      seen.hits += 1;
      seen.sender ||= sender;
      return;
    }
    const subject = containsAll(r.ticketSubject, q);
    byTicket.set(r.ticketId, { ticketId: r.ticketId, status: r.status, messageId: r.messageId, place, hits: 1, subject, sender });
  });
  const weight = (t: Ranked) => (t.subject ? 2 : 0) + (t.sender ? 1 : 0);
  return [...byTicket.values()]
    .sort((a, b) => weight(b) - weight(a) || b.hits - a.hits || a.place - b.place)
    .map(({ ticketId, status, messageId }) => ({ ticketId, status, messageId }));
}

/**
 * The tenant's tickets whose messages contain every word of `text` (the last while typed as a prefix), best
 * first, each with its newest matching message, every status (the caller counts and filters by status); among
 * the newest SEARCH_WINDOW matching messages. A text of digits (`1042`, `#1042`) also finds that ticket number,
 * first.
 */
export async function matchTickets(db: Db, tenantId: string, text: string, filters: SearchFilters = {}): Promise<TicketMatches> {
  const where = filterSql(filters);
  const tickets: TicketMatch[] = [];
  const number = /^\s*#?(\d{1,9})\s*$/.exec(text)?.[1];
  if (number) {
    const byNumber = await db.$queryRaw<TicketMatch[]>`
      SELECT t."id" AS "ticketId", t."status" AS "status", NULL AS "messageId" FROM "Ticket" t
      WHERE t."tenantId" = ${tenantId} AND t."number" = ${Number(number)} ${where}`;
    tickets.push(...byNumber);
  }
  if (!searchWords(text).length) return { tickets, windowFull: false, query: { words: [], prefixLast: false } };
  await indexPending(db);
  const query = await wordQuery(db, tenantId, text);
  const { rows, full } = await windowRows(db, tenantId, query, where);
  const seen = new Set(tickets.map((m) => m.ticketId));
  for (const m of rankMatches(rows, query)) if (!seen.has(m.ticketId)) tickets.push(m);
  return { tickets, windowFull: full, query };
}

/**
 * SQLite: what arrived since the MTA's last batch (a second at most while it runs), so a mail or a reply of a
 * moment ago is found. Bounded: should the MTA be stopped for long, its first batch after that is not this
 * request's to wait for. A failure (the write lock held by a long import) leaves the search to what is indexed.
 */
async function indexPending(db: Db): Promise<void> {
  await indexAllPendingMessages(db, { maxBatches: 4 }).catch(() => undefined);
}

/** How much of a long mail the snippet looks through: a search passage is near the top in practice. */
const SNIPPET_SCAN_CHARS = 50_000;

type SnippetRow = { messageId: string; subject: string; fromName: string | null; fromAddress: string; body: string | null };

/**
 * The snippets of `messageIds` (one page) for the words `q` (matchTickets' query): the passage around the
 * matched words of the mail's text, else of its subject, else its sender; keyed by message id.
 */
export async function messageSnippets(db: Db, tenantId: string, q: WordQuery, messageIds: string[]): Promise<Map<string, SnippetSegment[]>> {
  const out = new Map<string, SnippetSegment[]>();
  if (!messageIds.length || !q.words.length) return out;
  const rows = await db.$queryRaw<SnippetRow[]>`
    SELECT "id" AS "messageId", "subject", "fromName", "fromAddress", substr("textBody", 1, ${SNIPPET_SCAN_CHARS}) AS "body"
    FROM "Message" WHERE "tenantId" = ${tenantId} AND "id" IN (${Prisma.join(messageIds)})`;
  for (const r of rows) {
    const segments =
      snippet(r.body, q) ?? snippet(r.subject, q) ?? snippet(`${r.fromName ?? ""} <${r.fromAddress}>`.trim(), q, 12);
    if (segments) out.set(r.messageId, segments);
  }
  return out;
}
