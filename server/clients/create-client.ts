import type { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { clientDomainsInput, clientName, clientNotes } from "./client-fields";
import { assertDomainsFree, normaliseClientDomains } from "./normalise-client-domains";
import { isUniqueViolation } from "./prisma-errors";

export const createClientInput = clientDomainsInput.extend({
  name: clientName,
  notes: clientNotes.default(""),
});
export type CreateClientInput = z.input<typeof createClientInput>;

/**
 * Creates a client of the tenant with its primary and alias domains (R-IN-5): mail from those domains (and
 * their subdomains) is attributed to it. Domains are normalised and must be free within the tenant.
 */
export async function createClient(db: Db, tenantId: string, input: CreateClientInput) {
  const data = createClientInput.parse(input);
  const rows = normaliseClientDomains(data.primaryDomain, data.aliasDomains);
  let created: { id: string; name: string };
  try {
    created = await db.$transaction(async (tx) => {
      const sameName = await tx.client.findFirst({ where: { tenantId, name: data.name }, select: { id: true } });
      if (sameName) throw new AppError("CONFLICT", `There is already a client named “${data.name}”.`, { field: "name" });
      await assertDomainsFree(tx, tenantId, rows);
      return tx.client.create({
        data: {
          tenantId,
          name: data.name,
          notes: data.notes || null,
          domains: { create: rows.map((r) => ({ tenantId, domain: r.domain, isPrimary: r.isPrimary })) },
        },
        select: { id: true, name: true },
      });
    });
  } catch (err) {
    // Someone else took the name or a domain between our check and the insert.
    if (isUniqueViolation(err)) throw new AppError("CONFLICT", "That name or one of those domains was just taken. Try again.");
    throw err;
  }
  return created;
}
