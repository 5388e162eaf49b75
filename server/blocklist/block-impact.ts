/**
 * Guards on the blocklist (R-BL-1): what an entry would drop that the admin may not mean to — a free-mail provider
 * whole, a client's domain, or one of the tenant's own addresses. Blocking any of these asks for confirmation
 * naming it (addBlocklistEntry refuses it unconfirmed). Matching is the MTA's own (matchBlocklist), so what is
 * named here is exactly what would be dropped.
 */
import { z } from "zod";
import type { Tx } from "../db/client";
import { displayDomain, displayEmail, isUnderFreeMailDomain } from "../domain-names";
import { tenantMailbox } from "../mail/addresses";
import { matchBlocklist, parseBlocklistInput, type BlocklistInput } from "../mail/blocklist";

export const blocklistImpactInput = z.object({ value: z.string().max(1000) });

/** Plain-words sentences, one per thing the entry would drop; empty when nothing needs confirming. */
export async function blocklistImpact(
  db: Tx,
  args: { tenantId: string; inboundDomain: string; value: string },
): Promise<string[]> {
  let entry: BlocklistInput;
  try {
    entry = parseBlocklistInput(blocklistImpactInput.parse({ value: args.value }).value);
  } catch {
    return []; // not an entry at all: adding it is refused with the field's message
  }
  return impactOf(db, args.tenantId, args.inboundDomain, entry);
}

export async function impactOf(db: Tx, tenantId: string, inboundDomain: string, entry: BlocklistInput): Promise<string[]> {
  const probe = [{ id: "probe", kind: entry.kind, value: entry.value }];
  const hits = (address: string) => matchBlocklist(probe, address) !== null;
  const out: string[] = [];

  if (entry.kind === "DOMAIN" && isUnderFreeMailDomain(entry.value.replace(/^@/, ""))) {
    out.push(`${displayDomain(entry.value.replace(/^@/, ""))} is a free-mail provider: this drops mail from everyone who uses it, clients included.`);
  }

  if (entry.kind !== "EMAIL") {
    const domains = await db.clientDomain.findMany({
      where: { tenantId },
      select: { domain: true, client: { select: { name: true } } },
      orderBy: { domain: "asc" },
    });
    for (const d of domains) {
      if (hits(`someone@${d.domain}`)) out.push(`${displayDomain(d.domain)} is a domain of the client “${d.client.name}”: their mail would be dropped.`);
    }
  }

  const [tenant, users, sending, clients] = await Promise.all([
    db.tenant.findUnique({ where: { id: tenantId }, select: { slug: true, defaultFromAddress: true } }),
    db.user.findMany({ where: { tenantId, sendAsAddress: { not: null } }, select: { sendAsAddress: true } }),
    db.sendingDomain.findMany({ where: { tenantId }, select: { domain: true } }),
    db.client.findMany({ where: { tenantId, sendingAddress: { not: null } }, select: { sendingAddress: true } }),
  ]);
  const own = new Set<string>();
  if (tenant) own.add(tenantMailbox(tenant.slug, inboundDomain));
  if (tenant?.defaultFromAddress) own.add(tenant.defaultFromAddress.toLowerCase());
  for (const u of users) if (u.sendAsAddress) own.add(u.sendAsAddress.toLowerCase());
  for (const c of clients) if (c.sendingAddress) own.add(c.sendingAddress.toLowerCase());
  const ownHits = [...own].filter(hits);
  if (ownHits.length) {
    out.push(`It matches your own ${ownHits.length === 1 ? "address" : "addresses"} ${ownHits.map(displayEmail).join(", ")}: mail from ${ownHits.length === 1 ? "it" : "them"} (replies, forwarding tests) would be dropped.`);
  }
  for (const s of sending) {
    if (!ownHits.some((a) => a.endsWith(`@${s.domain}`)) && hits(`support@${s.domain}`)) {
      out.push(`${displayDomain(s.domain)} is one of your sending domains: mail from your own addresses there would be dropped.`);
    }
  }
  return out;
}
