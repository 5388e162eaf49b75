/**
 * Which envelope recipients the gateway owns (R-IN-1, R-TEN-2/3): the tenant mailbox, valid reply and bounce
 * (VERP) addresses, and the DMARC/TLS report mailboxes, on the subdomain of a tenant that exists. Everything
 * else is refused with 550 5.1.1 by the MTA, which is also why the gateway can never relay.
 */
import type { Tx } from "../db/client";
import { parseGatewayAddress, type GatewayAddress } from "./addresses";

export type AddressContext = { secret: string; inboundDomain: string };

export type RecipientTarget = GatewayAddress & {
  tenantId: string;
  /** The recipient as given in RCPT TO, lower-cased. */
  address: string;
};

/**
 * Resolves one RCPT TO address to its tenant, or null when the gateway does not own it. Database errors
 * propagate (the MTA answers 451): "not ours" must never be concluded from a failed lookup.
 */
export async function resolveRecipient(db: Tx, ctx: AddressContext, address: string): Promise<RecipientTarget | null> {
  const parsed = parseGatewayAddress(ctx.secret, address, ctx.inboundDomain);
  if (!parsed) return null;
  const tenant = await db.tenant.findUnique({ where: { slug: parsed.slug }, select: { id: true } });
  if (!tenant) return null;
  return { ...parsed, tenantId: tenant.id, address: address.trim().replace(/^<|>$/g, "").toLowerCase() };
}
