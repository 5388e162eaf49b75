import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { contactEmail, contactName, normaliseEmail } from "./client-fields";
import { isUniqueViolation } from "./prisma-errors";

export const updateContactInput = z.object({
  contactId: z.string().min(1),
  name: contactName.default(""),
  email: contactEmail,
});
export type UpdateContactInput = z.input<typeof updateContactInput>;

/** Changes a contact's name or address; the address stays unique within the tenant. */
export async function updateContact(db: Db, tenantId: string, input: UpdateContactInput) {
  const data = updateContactInput.parse(input);
  const email = normaliseEmail(data.email);
  try {
    return await db.$transaction(async (tx) => {
      const contact = await tx.contact.findFirst({ where: { id: data.contactId, tenantId }, select: { id: true } });
      if (!contact) throw new AppError("NOT_FOUND", "No such contact.");
      const other = await tx.contact.findFirst({
        where: { tenantId, email, id: { not: contact.id } },
        select: { client: { select: { name: true } } },
      });
      if (other) {
        const owner = other.client ? ` of the client “${other.client.name}”` : "";
        throw new AppError("CONFLICT", `${email} is already a contact${owner}.`, { field: "email" });
      }
      return tx.contact.update({
        where: { id: contact.id },
        data: { email, name: data.name || null },
        select: { id: true, email: true },
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("CONFLICT", `${email} was just added elsewhere. Try again.`, { field: "email" });
    throw err;
  }
}
