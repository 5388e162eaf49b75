import type { Db } from "../db/client";
import { AppError } from "../errors";
import { displayDomain, displayEmail } from "../domain-names";

/** One client of the tenant with its domains and contacts; NOT_FOUND for another tenant's client. */
export async function getClient(db: Db, tenantId: string, clientId: string) {
  const client = await db.client.findFirst({
    where: { id: clientId, tenantId },
    select: {
      id: true,
      name: true,
      notes: true,
      createdAt: true,
      domains: { select: { domain: true, isPrimary: true }, orderBy: [{ isPrimary: "desc" }, { createdAt: "asc" }] },
      contacts: {
        select: { id: true, name: true, email: true, emailFailing: true, _count: { select: { tickets: true } } },
        orderBy: [{ name: "asc" }, { email: "asc" }],
      },
      _count: { select: { tickets: true } },
    },
  });
  if (!client) throw new AppError("NOT_FOUND", "No such client.");
  const primary = client.domains.find((d) => d.isPrimary);
  return {
    id: client.id,
    name: client.name,
    notes: client.notes ?? "",
    createdAt: client.createdAt,
    primaryDomain: primary ? displayDomain(primary.domain) : null,
    aliasDomains: client.domains.filter((d) => !d.isPrimary).map((d) => displayDomain(d.domain)),
    contacts: client.contacts.map((c) => ({
      id: c.id,
      name: c.name ?? "",
      email: displayEmail(c.email),
      emailFailing: c.emailFailing,
      ticketCount: c._count.tickets,
    })),
    ticketCount: client._count.tickets,
  };
}
