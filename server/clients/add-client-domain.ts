import type { Tx } from "../db/client";
import { AppError } from "../errors";
import { assertDomainsFree, normaliseClientDomains } from "./normalise-client-domains";

export type AddClientDomainResult = {
  /** The stored (A-label) form. */
  domain: string;
  /** false when the client already had the domain (a repeated request). */
  added: boolean;
  /** true when the client had no domain, so this one became its primary domain. */
  isPrimary: boolean;
};

/**
 * Adds one domain to a client inside the caller's transaction, by the same rules as the client form
 * (normaliseClientDomains: normalised, free-mail refused; assertDomainsFree: one client per domain per tenant).
 * It becomes an alias domain, or the primary domain when the client has none yet (an alias needs a primary).
 * Adding a domain the client already has changes nothing. NOT_FOUND for another tenant's client; BAD_INPUT and
 * CONFLICT carry `field`.
 */
export async function addClientDomain(
  tx: Tx,
  tenantId: string,
  args: { clientId: string; domain: string; field?: string },
): Promise<AddClientDomainResult> {
  const field = args.field ?? "domain";
  let domain: string;
  try {
    domain = normaliseClientDomains(args.domain, [])[0]!.domain;
  } catch (err) {
    if (err instanceof AppError) throw new AppError(err.code, err.message, { field, cause: err });
    throw err;
  }
  const client = await tx.client.findFirst({
    where: { id: args.clientId, tenantId },
    select: { id: true, domains: { select: { domain: true, isPrimary: true } } },
  });
  if (!client) throw new AppError("NOT_FOUND", "No such client.", { field: "clientId" });
  const mine = client.domains.find((d) => d.domain === domain);
  if (mine) return { domain, added: false, isPrimary: mine.isPrimary };
  const isPrimary = !client.domains.some((d) => d.isPrimary);
  await assertDomainsFree(tx, tenantId, [{ domain, isPrimary, field }], client.id);
  await tx.clientDomain.create({ data: { tenantId, clientId: client.id, domain, isPrimary } });
  return { domain, added: true, isPrimary };
}
