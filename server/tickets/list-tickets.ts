import { z } from "zod";
import { threadMessageCounts } from "./message-count";
import type { Db } from "../db/client";
import { matchTickets, messageSnippets, type SearchFilters, type TicketSnippet } from "./search-tickets";
import { parseTicketStatus, ticketStatus, ticketStatuses, type TicketStatus } from "./ticket-fields";

/** The Unattributed queue in the client filter (R-UNA-1): tickets without a client. */
export const UNATTRIBUTED = "unattributed";
/** The assignee filter's "nobody". */
export const UNASSIGNED = "unassigned";

export const listTicketsInput = z.object({
  status: ticketStatus.default("OPEN"),
  /** A client id, or "unattributed" for tickets without a client. */
  clientId: z.string().min(1).max(100).optional(),
  requesterId: z.string().min(1).max(100).optional(),
  /** A user id, or "unassigned". */
  assigneeId: z.string().min(1).max(100).optional(),
  /** R-IN-8: only tickets opened by automated mail (alerts, group mail), or only the others. */
  automated: z.enum(["only", "exclude"]).optional(),
  /**
   * Words to find anywhere in the tickets' messages (subject, sender, new and full text; full-text indexed,
   * ranked), or a ticket number (`1042` or `#1042`).
   */
  search: z.string().trim().max(200).default(""),
  cursor: z.string().min(1).max(100).optional(),
  limit: z.number().int().min(1).max(100).default(25),
});
export type ListTicketsInput = z.input<typeof listTicketsInput>;

export type TicketListItem = {
  id: string;
  number: number;
  subject: string;
  status: TicketStatus;
  client: { id: string; name: string } | null;
  requester: { id: string; email: string; name: string | null } | null;
  assignee: { id: string; name: string } | null;
  mergedInto: { id: string; number: number } | null;
  /** Opened by an automated notification (R-IN-8). */
  automated: boolean;
  messageCount: number;
  lastActivityAt: Date;
  createdAt: Date;
  /** With a text search: the passage of the best-matching message, matched words marked. */
  snippet: TicketSnippet | null;
};

export type TicketList = {
  items: TicketListItem[];
  nextCursor: string | null;
  /** Per status, under the same client/requester/search filters. */
  counts: Record<TicketStatus, number>;
  /** A text search reached its window (SEARCH_WINDOW newest matching messages): older matches are not listed. */
  capped: boolean;
};

const itemSelect = {
  id: true,
  number: true,
  subject: true,
  status: true,
  lastActivityAt: true,
  createdAt: true,
  client: { select: { id: true, name: true } },
  requester: { select: { id: true, email: true, name: true } },
  assignee: { select: { id: true, name: true } },
  mergedInto: { select: { id: true, number: true } },
  automated: true,
} as const;

/**
 * The tenant's tickets of one status with cursor pagination (R-TKT-1 list). Filters: client (or the Unattributed
 * queue), requester, assignee (or nobody). Without a search, newest activity first; with one, best match first
 * (server/tickets/search-tickets.ts), each with its snippet.
 */
export async function listTickets(db: Db, tenantId: string, input: ListTicketsInput = {}): Promise<TicketList> {
  const parsed = listTicketsInput.parse(input);
  const { status, clientId, requesterId, assigneeId, automated } = parsed;
  const filters: SearchFilters = {
    ...(clientId ? { clientId: clientId === UNATTRIBUTED ? null : clientId } : {}),
    ...(requesterId ? { requesterId } : {}),
    ...(assigneeId ? { assigneeId: assigneeId === UNASSIGNED ? null : assigneeId } : {}),
    ...(automated ? { automated: automated === "only" } : {}),
  };
  if (parsed.search) return searchTickets(db, tenantId, parsed, filters);
  const where = { tenantId, ...filters };
  const [rows, grouped] = await Promise.all([
    db.ticket.findMany({
      where: { ...where, status },
      orderBy: [{ lastActivityAt: "desc" }, { id: "desc" }],
      take: parsed.limit + 1,
      ...(parsed.cursor ? { cursor: { id: parsed.cursor }, skip: 1 } : {}),
      select: itemSelect,
    }),
    db.ticket.groupBy({ by: ["status"], where, _count: { _all: true } }),
  ]);
  const counts = emptyCounts();
  for (const g of grouped) counts[parseTicketStatus(g.status)] += g._count._all;
  const page = rows.slice(0, parsed.limit);
  const messageCounts = await threadMessageCounts(db, page.map((t) => t.id));
  return {
    items: page.map((t) => toItem(t, messageCounts.get(t.id) ?? 0, null)),
    nextCursor: rows.length > parsed.limit ? (page.at(-1)?.id ?? null) : null,
    counts,
    capped: false,
  };
}

function emptyCounts(): Record<TicketStatus, number> {
  return Object.fromEntries(ticketStatuses.map((s) => [s, 0])) as Record<TicketStatus, number>;
}

type ItemRow = Omit<TicketListItem, "status" | "messageCount" | "snippet"> & { status: string };

function toItem(t: ItemRow, messageCount: number, snippet: TicketSnippet | null): TicketListItem {
  return {
    id: t.id,
    number: t.number,
    subject: t.subject,
    status: parseTicketStatus(t.status),
    client: t.client,
    requester: t.requester,
    assignee: t.assignee,
    mergedInto: t.mergedInto,
    automated: t.automated,
    messageCount,
    lastActivityAt: t.lastActivityAt,
    createdAt: t.createdAt,
    snippet,
  };
}

/** The search branch of listTickets: ranked matches of every status, counted, then one status paged by rank. */
async function searchTickets(
  db: Db,
  tenantId: string,
  input: z.output<typeof listTicketsInput>,
  filters: SearchFilters,
): Promise<TicketList> {
  const { tickets: matches, windowFull, query } = await matchTickets(db, tenantId, input.search, filters);
  const counts = emptyCounts();
  for (const m of matches) counts[parseTicketStatus(m.status)] += 1;
  const ofStatus = matches.filter((m) => m.status === input.status);
  const start = input.cursor ? ofStatus.findIndex((m) => m.ticketId === input.cursor) + 1 : 0;
  const page = ofStatus.slice(start, start + input.limit);
  const ids = page.map((m) => m.ticketId);
  const [rows, messageCounts, snippets] = await Promise.all([
    db.ticket.findMany({ where: { tenantId, id: { in: ids } }, select: itemSelect }),
    threadMessageCounts(db, ids),
    messageSnippets(db, tenantId, query, page.flatMap((m) => (m.messageId ? [m.messageId] : []))),
  ]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const items = page.flatMap((m) => {
    const row = byId.get(m.ticketId);
    const segments = m.messageId ? snippets.get(m.messageId) : undefined;
    const snippet = m.messageId && segments ? { messageId: m.messageId, segments } : null;
    return row ? [toItem(row, messageCounts.get(row.id) ?? 0, snippet)] : [];
  });
  return {
    items,
    nextCursor: start + input.limit < ofStatus.length ? (page.at(-1)?.ticketId ?? null) : null,
    counts,
    capped: windowFull,
  };
}

/** The choices of the list's filters: every client, and the people who have asked something. */
export async function ticketFilterOptions(db: Db, tenantId: string) {
  const [clients, requesters] = await Promise.all([
    db.client.findMany({ where: { tenantId }, orderBy: { name: "asc" }, select: { id: true, name: true } }),
    db.contact.findMany({
      where: { tenantId, tickets: { some: {} } },
      orderBy: { email: "asc" },
      take: 500,
      select: { id: true, email: true, name: true },
    }),
  ]);
  return { clients, requesters };
}
