import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { contactEmail, contactName, normaliseEmail } from "./client-fields";
import { isUniqueViolation } from "./prisma-errors";

export const addContactInput = z.object({
  clientId: z.string().min(1),
  name: contactName.default(""),
  email: contactEmail,
});
export type AddContactInput = z.input<typeof addContactInput>;

/**
 * Adds a person to a client: mail from their address is attributed to the client whatever its domain
 * (R-IN-5). An address is one contact per tenant: a contact without a client (e.g. its client was deleted, or
 * it was created from an unattributed ticket) is attached here; one belonging to another client is refused.
 */
export async function addContact(db: Db, tenantId: string, input: AddContactInput) {
  const data = addContactInput.parse(input);
  const email = normaliseEmail(data.email);
  try {
    return await db.$transaction(async (tx) => {
      const client = await tx.client.findFirst({ where: { id: data.clientId, tenantId }, select: { id: true } });
      if (!client) throw new AppError("NOT_FOUND", "No such client.");
      const existing = await tx.contact.findUnique({
        where: { tenantId_email: { tenantId, email } },
        select: { id: true, clientId: true, client: { select: { name: true } } },
      });
      if (existing?.client) {
        const where = existing.clientId === client.id ? "this client" : `the client “${existing.client.name}”`;
        throw new AppError("CONFLICT", `${email} is already a contact of ${where}.`, { field: "email" });
      }
      if (existing) {
        return tx.contact.update({
          where: { id: existing.id },
          data: { clientId: client.id, ...(data.name ? { name: data.name } : {}) },
          select: { id: true, email: true },
        });
      }
      return tx.contact.create({
        data: { tenantId, clientId: client.id, email, name: data.name || null },
        select: { id: true, email: true },
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("CONFLICT", `${email} was just added elsewhere. Try again.`, { field: "email" });
    throw err;
  }
}
