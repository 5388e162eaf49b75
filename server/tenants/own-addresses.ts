/**
 * The one rule for "an address of the tenant itself" (issue 15): its default From, its users' addresses and
 * send-as addresses, its clients' own From addresses, any address at one of its sending domains, and any address
 * at the gateway's inbound domain or under it (its mailboxes, reply and bounce addresses). Such an address is never
 * acknowledged (R-IN-9: the tenant's forwarding mailbox would loop), never added to a ticket as a participant and
 * never copied on a reply.
 */
import type { Tx } from "../db/client";
import { domainOf, isAtOrUnderDomain } from "../mail/addresses";

export type OwnAddresses = {
  /** Lower-case addresses. */
  addresses: ReadonlySet<string>;
  /** The tenant's sending domains (A-label, lower case). */
  sendingDomains: ReadonlySet<string>;
  inboundDomain: string;
};

/** Whether `address` (bare, any case) is one of `own`. */
export function isOwnAddress(own: OwnAddresses, address: string): boolean {
  const a = address.trim().toLowerCase();
  const domain = domainOf(a);
  return own.addresses.has(a) || own.sendingDomains.has(domain) || isAtOrUnderDomain(domain, own.inboundDomain);
}

/** Reads the tenant's own addresses (a few small queries; call once per request or per message). */
export async function loadOwnAddresses(db: Tx, tenantId: string, inboundDomain: string): Promise<OwnAddresses> {
  const [tenant, domains, users, clients] = await Promise.all([
    db.tenant.findUnique({ where: { id: tenantId }, select: { defaultFromAddress: true } }),
    db.sendingDomain.findMany({ where: { tenantId }, select: { domain: true } }),
    db.user.findMany({ where: { tenantId }, select: { email: true, sendAsAddress: true } }),
    db.client.findMany({ where: { tenantId, sendingAddress: { not: null } }, select: { sendingAddress: true } }),
  ]);
  const addresses = [tenant?.defaultFromAddress, ...users.flatMap((u) => [u.email, u.sendAsAddress]), ...clients.map((c) => c.sendingAddress)];
  return {
    addresses: new Set(addresses.filter((a): a is string => Boolean(a)).map((a) => a.trim().toLowerCase())),
    sendingDomains: new Set(domains.map((d) => d.domain)),
    inboundDomain,
  };
}
