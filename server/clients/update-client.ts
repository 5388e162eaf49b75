import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { clientDomainsInput, clientName, clientNotes } from "./client-fields";
import { assertDomainsFree, normaliseClientDomains } from "./normalise-client-domains";
import { isUniqueViolation } from "./prisma-errors";

export const updateClientInput = clientDomainsInput.extend({
  clientId: z.string().min(1),
  name: clientName,
  notes: clientNotes.default(""),
});
export type UpdateClientInput = z.input<typeof updateClientInput>;

/** Renames a client and replaces its domains with the given set (rows kept where the domain stays). */
export async function updateClient(db: Db, tenantId: string, input: UpdateClientInput) {
  const data = updateClientInput.parse(input);
  const rows = normaliseClientDomains(data.primaryDomain, data.aliasDomains);
  let updated: { id: string; name: string };
  try {
    updated = await db.$transaction(async (tx) => {
      const client = await tx.client.findFirst({ where: { id: data.clientId, tenantId }, select: { id: true } });
      if (!client) throw new AppError("NOT_FOUND", "No such client.");
      const sameName = await tx.client.findFirst({
        where: { tenantId, name: data.name, id: { not: client.id } },
        select: { id: true },
      });
      if (sameName) throw new AppError("CONFLICT", `There is already a client named “${data.name}”.`, { field: "name" });
      await assertDomainsFree(tx, tenantId, rows, client.id);
      await tx.clientDomain.deleteMany({ where: { clientId: client.id, domain: { notIn: rows.map((r) => r.domain) } } });
      for (const row of rows) {
        await tx.clientDomain.upsert({
          where: { tenantId_domain: { tenantId, domain: row.domain } },
          update: { isPrimary: row.isPrimary },
          create: { tenantId, clientId: client.id, domain: row.domain, isPrimary: row.isPrimary },
        });
      }
      return tx.client.update({
        where: { id: client.id },
        data: { name: data.name, notes: data.notes || null },
        select: { id: true, name: true },
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("CONFLICT", "That name or one of those domains was just taken. Try again.");
    throw err;
  }
  return updated;
}
