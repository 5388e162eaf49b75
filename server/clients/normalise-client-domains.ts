import type { Tx } from "../db/client";
import { AppError } from "../errors";
import { displayDomain, isFreeMailDomain, normaliseDomain, badDomain } from "../domain-names";

/** A domain row to store, with the form field it was typed in (for error messages). */
export type ClientDomainRow = { domain: string; isPrimary: boolean; field: string };

/**
 * Turns the typed primary and alias domains into rows: normalised (lower-case, A-label), free-mail refused,
 * each listed once. Blank alias inputs are ignored (an empty row left in a form). Errors name the field.
 */
export function normaliseClientDomains(primaryDomain: string, aliasDomains: string[]): ClientDomainRow[] {
  const rows: ClientDomainRow[] = [];
  const seen = new Map<string, string>();
  const add = (raw: string, field: string, isPrimary: boolean) => {
    const domain = normaliseDomain(raw) ?? badDomain(raw, field);
    if (isFreeMailDomain(domain)) {
      throw new AppError(
        "BAD_INPUT",
        `${domain} is a free-mail provider: anyone can have an address there, so it cannot identify a client. Add the people who write from it as contacts instead.`,
        { field },
      );
    }
    if (seen.has(domain)) {
      throw new AppError("BAD_INPUT", `${displayDomain(domain)} is listed twice.`, { field });
    }
    seen.set(domain, field);
    rows.push({ domain, isPrimary, field });
  };
  const aliases = aliasDomains.map((raw, i) => ({ raw, field: `aliasDomains.${i}` })).filter((a) => a.raw.trim() !== "");
  if (primaryDomain.trim() === "") {
    if (aliases.length > 0) {
      throw new AppError("BAD_INPUT", "Set a primary domain before adding alias domains.", { field: "primaryDomain" });
    }
    return rows;
  }
  add(primaryDomain, "primaryDomain", true);
  for (const a of aliases) add(a.raw, a.field, false);
  return rows;
}

/**
 * Refuses domains another client of the same tenant already has, naming that client. Other tenants may use the
 * same domain: their clients are theirs (R-TEN-1).
 */
export async function assertDomainsFree(
  tx: Tx,
  tenantId: string,
  rows: ClientDomainRow[],
  exceptClientId?: string,
): Promise<void> {
  if (rows.length === 0) return;
  const taken = await tx.clientDomain.findFirst({
    where: {
      tenantId,
      domain: { in: rows.map((r) => r.domain) },
      ...(exceptClientId ? { clientId: { not: exceptClientId } } : {}),
    },
    select: { domain: true, client: { select: { name: true } } },
  });
  if (taken) {
    throw new AppError("CONFLICT", `${displayDomain(taken.domain)} already belongs to the client “${taken.client.name}”.`, {
      field: rows.find((r) => r.domain === taken.domain)?.field,
    });
  }
}
