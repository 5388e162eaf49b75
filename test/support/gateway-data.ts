/**
 * Rows the MTA tests need, written directly with Prisma (the web engineer's createTenant/seed code is theirs to
 * change; these tests must not depend on its shape). Every row carries its tenantId as the product's do.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "../../server/db/client";

export async function createTenantRow(db: Db, slug: string, data: { autoAckEnabled?: boolean; autoAckPerSenderHour?: number } = {}) {
  return db.tenant.create({
    data: { slug, name: `Tenant ${slug}`, mtaStsPolicyId: randomBytes(6).toString("hex"), ...data },
  });
}

export async function createClientRow(
  db: Db,
  tenantId: string,
  input: { name: string; primaryDomain?: string; aliasDomains?: string[]; contacts?: string[] },
) {
  const client = await db.client.create({ data: { tenantId, name: input.name } });
  const domains = [
    ...(input.primaryDomain ? [{ domain: input.primaryDomain, isPrimary: true }] : []),
    ...(input.aliasDomains ?? []).map((domain) => ({ domain, isPrimary: false })),
  ];
  for (const d of domains) await db.clientDomain.create({ data: { tenantId, clientId: client.id, ...d } });
  for (const email of input.contacts ?? []) {
    await db.contact.create({ data: { tenantId, clientId: client.id, email: email.toLowerCase() } });
  }
  return client;
}
