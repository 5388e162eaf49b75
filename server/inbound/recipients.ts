/**
 * Which envelope recipients the gateway owns (R-IN-1, R-TEN-2/3): the tenant mailbox, valid reply and bounce
 * (VERP) addresses, and the DMARC/TLS report mailboxes, on the subdomain of a tenant that exists. Everything
 * else is refused with 550 5.1.1 by the MTA, which is also why the gateway can never relay.
 */
import type { Tx } from "../db/client";
import { parseGatewayAddress, type GatewayAddress } from "../mail/addresses";

export type AddressContext = { secret: string; inboundDomain: string };

export type RecipientTarget = GatewayAddress & {
  tenantId: string;
  /** The recipient as given in RCPT TO, lower-cased. */
  address: string;
};

/**
 * Slug → tenant id, remembered per database client for a few seconds: every message asks at RCPT and again at
 * end of DATA, and a tenant's id never changes. Only hits are kept, so a new tenant is found at once; a deleted
 * one may still be resolved for TENANT_TTL_MS, which is the same as being deleted between RCPT and end of DATA:
 * ingestion takes the tenant lock first and finds no row (server/tenants/lock-tenant.ts).
 */
const TENANT_TTL_MS = 5_000;
const tenantIds = new WeakMap<object, Map<string, { id: string; until: number }>>();

async function tenantIdForSlug(db: Tx, slug: string): Promise<string | null> {
  let cache = tenantIds.get(db);
  if (!cache) tenantIds.set(db, (cache = new Map<string, { id: string; until: number }>()));
  const hit = cache.get(slug);
  if (hit && hit.until > Date.now()) return hit.id;
  const tenant = await db.tenant.findUnique({ where: { slug }, select: { id: true } });
  if (!tenant) {
    cache.delete(slug);
    return null;
  }
  // Bounded: slugs come from RCPT TO, which anyone can vary; only existing tenants are stored.
  if (cache.size >= 10_000) cache.clear();
  cache.set(slug, { id: tenant.id, until: Date.now() + TENANT_TTL_MS });
  return tenant.id;
}

/**
 * Resolves one RCPT TO address to its tenant, or null when the gateway does not own it. Database errors
 * propagate (the MTA answers 451): "not ours" must never be concluded from a failed lookup.
 */
export async function resolveRecipient(db: Tx, ctx: AddressContext, address: string): Promise<RecipientTarget | null> {
  const parsed = parseGatewayAddress(ctx.secret, address, ctx.inboundDomain);
  if (!parsed) return null;
  const tenantId = await tenantIdForSlug(db, parsed.slug);
  if (!tenantId) return null;
  return { ...parsed, tenantId, address: address.trim().replace(/^<|>$/g, "").toLowerCase() };
}
