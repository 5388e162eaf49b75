/** Loading the tickets an action names, and their senders, tenant-scoped. */
import type { Tx } from "../db/client";
import { AppError } from "../errors";
import { normaliseSenderAddress } from "../mail/addresses";

export type ActionTicket = {
  id: string;
  number: number;
  clientId: string | null;
  clientName: string | null;
  status: string;
  mergedIntoId: string | null;
  requesterId: string | null;
  /** The requester's stored address, or the first inbound message's sender when the ticket has no requester. */
  sender: string | null;
};

/**
 * The tenant's tickets with these ids, in the order given. Every id must be a ticket of the tenant: one that is
 * not (another tenant's, or none) refuses the whole action with NOT_FOUND, never saying it exists elsewhere.
 */
export async function loadActionTickets(tx: Tx, tenantId: string, ids: readonly string[]): Promise<ActionTicket[]> {
  const unique = [...new Set(ids)];
  const rows = await tx.ticket.findMany({
    where: { tenantId, id: { in: unique } },
    select: {
      id: true,
      number: true,
      clientId: true,
      status: true,
      mergedIntoId: true,
      requesterId: true,
      client: { select: { name: true } },
      requester: { select: { email: true } },
    },
  });
  if (rows.length !== unique.length) {
    throw new AppError("NOT_FOUND", unique.length === 1 ? "No such ticket." : "One of those tickets no longer exists.");
  }
  const withoutRequester = rows.filter((r) => !r.requester).map((r) => r.id);
  const firstFrom = new Map<string, string | null>();
  for (const id of withoutRequester) {
    const message = await tx.message.findFirst({
      where: { tenantId, ticketId: id, direction: "INBOUND" },
      orderBy: [{ sentAt: "asc" }, { id: "asc" }],
      select: { fromAddress: true },
    });
    firstFrom.set(id, normaliseSenderAddress(message?.fromAddress));
  }
  const byId = new Map(rows.map((r) => [r.id, r]));
  return unique.map((id) => {
    const r = byId.get(id)!;
    return {
      id: r.id,
      number: r.number,
      clientId: r.clientId,
      clientName: r.client?.name ?? null,
      status: r.status,
      mergedIntoId: r.mergedIntoId,
      requesterId: r.requesterId,
      sender: r.requester?.email ?? firstFrom.get(r.id) ?? null,
    };
  });
}
