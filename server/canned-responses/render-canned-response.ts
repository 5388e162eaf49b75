import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { renderPlaceholders } from "./render-placeholders";

export const renderCannedResponseInput = z.object({
  id: z.string().min(1).max(100),
  ticketId: z.string().min(1).max(100),
});

/**
 * A canned response filled in for one ticket and the user inserting it (R-UX-3): the text the composer inserts.
 * The response and the ticket must both be the caller's tenant's.
 */
export async function renderCannedResponse(
  db: Db,
  params: { tenantId: string; userId: string },
  input: z.input<typeof renderCannedResponseInput>,
) {
  const { id, ticketId } = renderCannedResponseInput.parse(input);
  const { tenantId } = params;
  const [response, ticket, user] = await Promise.all([
    db.cannedResponse.findFirst({ where: { id, tenantId }, select: { title: true, body: true } }),
    db.ticket.findFirst({
      where: { id: ticketId, tenantId },
      select: {
        number: true,
        subject: true,
        client: { select: { name: true } },
        requester: { select: { name: true, email: true } },
      },
    }),
    db.user.findFirst({ where: { id: params.userId, tenantId }, select: { name: true, email: true } }),
  ]);
  if (!response) throw new AppError("NOT_FOUND", "That canned response no longer exists.");
  if (!ticket || !user) throw new AppError("NOT_FOUND", "Ticket not found.");
  const body = renderPlaceholders(response.body, {
    requester: ticket.requester,
    ticket: { number: ticket.number, subject: ticket.subject },
    technician: user,
    client: ticket.client,
  });
  return { title: response.title, body };
}
