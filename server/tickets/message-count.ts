import type { Tx } from "../db/client";

/**
 * What "N messages" on a ticket counts, the same on Tickets and Unattributed (B6): every message of its thread,
 * in both directions (the client's mail, our replies and auto-acknowledgements), never an internal note.
 */
export const THREAD_MESSAGE_COUNT = { where: { kind: { not: "NOTE" } } } as const;

/**
 * The thread message counts of a page of tickets, by ticket id (0 for a ticket without messages). One grouped
 * count over the page's tickets through the Message(ticketId, …) index. Not Prisma's `_count` in a list's
 * select: it joins the page against a count of every message of every ticket, which at a million messages
 * costs a second per page.
 */
export async function threadMessageCounts(db: Tx, ticketIds: string[]): Promise<Map<string, number>> {
  const out = new Map(ticketIds.map((id) => [id, 0]));
  if (!ticketIds.length) return out;
  const grouped = await db.message.groupBy({
    by: ["ticketId"],
    where: { ticketId: { in: ticketIds }, ...THREAD_MESSAGE_COUNT.where },
    _count: { _all: true },
  });
  for (const g of grouped) out.set(g.ticketId, g._count._all);
  return out;
}
