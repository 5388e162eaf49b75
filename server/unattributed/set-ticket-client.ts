import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { inTenantTransaction, loadClient, moveTicketsToClient } from "./attribute-tickets";
import { loadActionTickets } from "./queued-tickets";

export const setTicketClientInput = z.object({
  ticketId: z.string().min(1).max(100),
  clientId: z.string().min(1, "Choose a client.").max(100),
});
export type SetTicketClientInput = z.input<typeof setTicketClientInput>;

/**
 * Sets (or changes) a ticket's client from the ticket page (R-UX-3): the same move as the Unattributed queue's
 * "set client" (moveTicketsToClient: the requester becomes the client's contact, the change is recorded in the
 * ticket's audit trail by `actorId`), one transaction under the tenant lock. A merged ticket is refused: its
 * survivor is the one to change.
 */
export async function setTicketClient(
  db: Db,
  tenantId: string,
  input: SetTicketClientInput,
  actorId: string | null = null,
) {
  const { ticketId, clientId } = setTicketClientInput.parse(input);
  return inTenantTransaction(db, tenantId, async (tx) => {
    const [ticket] = await loadActionTickets(tx, tenantId, [ticketId]);
    if (ticket!.mergedIntoId)
      throw new AppError("PRECONDITION", "This ticket was merged; change the client of the ticket it was merged into.");
    const client = await loadClient(tx, tenantId, clientId);
    if (ticket!.clientId !== client.id) await moveTicketsToClient(tx, tenantId, client, [ticket!], actorId);
    return { client };
  });
}
