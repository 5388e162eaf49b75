import { z } from "zod";
import type { Db } from "../db/client";
import { displayDomain, normaliseDomain } from "../domain-names";
import { containsInsensitive } from "./prisma-errors";

export const listClientsInput = z.object({ search: z.string().trim().max(200).default("") });
export type ListClientsInput = z.input<typeof listClientsInput>;

/**
 * The tenant's clients by name, with their domains (shown in Unicode) and counts. `search` matches the name or
 * any of the client's domains (typed in either Unicode or punycode form) or a contact's email.
 */
export async function listClients(db: Db, tenantId: string, input: ListClientsInput = {}) {
  const { search } = listClientsInput.parse(input);
  const asDomain = search ? (normaliseDomain(search) ?? search.toLowerCase()) : "";
  const clients = await db.client.findMany({
    where: {
      tenantId,
      ...(search
        ? {
            OR: [
              { name: containsInsensitive(db, search) },
              { domains: { some: { domain: { contains: asDomain } } } },
              { contacts: { some: { email: { contains: search.toLowerCase() } } } },
            ],
          }
        : {}),
    },
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      domains: { select: { domain: true, isPrimary: true }, orderBy: [{ isPrimary: "desc" }, { domain: "asc" }] },
      _count: { select: { contacts: true, tickets: true } },
    },
  });
  return clients.map((c) => ({
    id: c.id,
    name: c.name,
    primaryDomain: c.domains.find((d) => d.isPrimary) ? displayDomain(c.domains.find((d) => d.isPrimary)!.domain) : null,
    aliasDomains: c.domains.filter((d) => !d.isPrimary).map((d) => displayDomain(d.domain)),
    contactCount: c._count.contacts,
    ticketCount: c._count.tickets,
  }));
}
