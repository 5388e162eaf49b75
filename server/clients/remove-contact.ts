import type { Db } from "../db/client";
import { AppError } from "../errors";

/**
 * Removes a contact from its client. A contact who requested tickets is kept without a client, so those
 * tickets still show who wrote them; one with no tickets is deleted.
 */
export async function removeContact(db: Db, tenantId: string, contactId: string) {
  const contact = await db.contact.findFirst({
    where: { id: contactId, tenantId },
    select: { id: true, _count: { select: { tickets: true } } },
  });
  if (!contact) throw new AppError("NOT_FOUND", "No such contact.");
  if (contact._count.tickets > 0) {
    await db.contact.update({ where: { id: contact.id }, data: { clientId: null } });
    return { id: contact.id, deleted: false };
  }
  await db.contact.delete({ where: { id: contact.id } });
  return { id: contact.id, deleted: true };
}
