import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { addContact } from "../clients/add-contact";
import { parseMailboxes } from "./ticket-fields";

export const addParticipantContactInput = z.object({
  ticketId: z.string().min(1),
  email: z.string().trim().min(1).max(254),
});
export type AddParticipantContactInput = z.infer<typeof addParticipantContactInput>;

/**
 * One click on a CC'd person who is not yet a contact: they become a contact of the ticket's client, with the
 * name their mail carried (the product doc's advice for CC-heavy clients). Uses the clients' addContact, so the
 * same rules apply (one contact per address per tenant; a contact of another client is refused).
 */
export async function addParticipantAsContact(db: Db, tenantId: string, input: AddParticipantContactInput) {
  const { ticketId, email } = addParticipantContactInput.parse(input);
  const ticket = await db.ticket.findFirst({
    where: { id: ticketId, tenantId },
    select: {
      clientId: true,
      messages: { select: { fromAddress: true, fromName: true, toJson: true, ccJson: true } },
    },
  });
  if (!ticket) throw new AppError("NOT_FOUND", "Ticket not found.");
  if (!ticket.clientId) {
    throw new AppError(
      "PRECONDITION",
      "This ticket has no client yet: attribute it to a client first, then add its people.",
    );
  }
  const wanted = email.toLowerCase();
  let name: string | null = null;
  let found = false;
  for (const m of ticket.messages) {
    for (const box of [
      { address: m.fromAddress, name: m.fromName },
      ...parseMailboxes(m.toJson),
      ...parseMailboxes(m.ccJson),
    ]) {
      if (box.address.toLowerCase() !== wanted) continue;
      found = true;
      name ??= box.name;
    }
  }
  if (!found) throw new AppError("BAD_INPUT", `${email} is not on this ticket's thread.`, { field: "email" });
  return addContact(db, tenantId, { clientId: ticket.clientId, email: wanted, name: name ?? "" });
}
