import { z } from "zod";
import { THREAD_MESSAGE_COUNT } from "./message-count";
import type { Db } from "../db/client";
import { containsInsensitive } from "../clients/prisma-errors";
import { parseTicketStatus, ticketStatus, ticketStatuses, type TicketStatus } from "./ticket-fields";

/** The Unattributed queue in the client filter (R-UNA-1): tickets without a client. */
export const UNATTRIBUTED = "unattributed";

export const listTicketsInput = z.object({
  status: ticketStatus.default("OPEN"),
  /** A client id, or "unattributed" for tickets without a client. */
  clientId: z.string().min(1).max(100).optional(),
  requesterId: z.string().min(1).max(100).optional(),
  /** Subject text, or a ticket number (`1042` or `#1042`). */
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
  messageCount: number;
  lastActivityAt: Date;
  createdAt: Date;
};

export type TicketList = {
  items: TicketListItem[];
  nextCursor: string | null;
  /** Per status, under the same client/requester/search filters. */
  counts: Record<TicketStatus, number>;
};

/**
 * The tenant's tickets of one status, newest activity first, with cursor pagination (R-TKT-1 list). Filters:
 * client (or the Unattributed queue), requester, and text on the subject or the ticket number.
 */
export async function listTickets(db: Db, tenantId: string, input: ListTicketsInput = {}): Promise<TicketList> {
  const { status, clientId, requesterId, search, cursor, limit } = listTicketsInput.parse(input);
  const number = /^#?(\d{1,9})$/.exec(search)?.[1];
  const where = {
    tenantId,
    ...(clientId === UNATTRIBUTED ? { clientId: null } : clientId ? { clientId } : {}),
    ...(requesterId ? { requesterId } : {}),
    ...(search
      ? { OR: [{ subject: containsInsensitive(db, search) }, ...(number ? [{ number: Number(number) }] : [])] }
      : {}),
  };
  const [rows, grouped] = await Promise.all([
    db.ticket.findMany({
      where: { ...where, status },
      orderBy: [{ lastActivityAt: "desc" }, { id: "desc" }],
      take: limit + 1,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      select: {
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
        _count: { select: { messages: THREAD_MESSAGE_COUNT } },
      },
    }),
    db.ticket.groupBy({ by: ["status"], where, _count: { _all: true } }),
  ]);
  const counts = Object.fromEntries(ticketStatuses.map((s) => [s, 0])) as Record<TicketStatus, number>;
  for (const g of grouped) counts[parseTicketStatus(g.status)] += g._count._all;
  const page = rows.slice(0, limit);
  return {
    items: page.map((t) => ({
      id: t.id,
      number: t.number,
      subject: t.subject,
      status: parseTicketStatus(t.status),
      client: t.client,
      requester: t.requester,
      assignee: t.assignee,
      mergedInto: t.mergedInto,
      messageCount: t._count.messages,
      lastActivityAt: t.lastActivityAt,
      createdAt: t.createdAt,
    })),
    nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    counts,
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
