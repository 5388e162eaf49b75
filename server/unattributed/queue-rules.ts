/**
 * What the Unattributed queue is (R-UNA-1), in one place: the tenant's tickets with no client that are still
 * waiting for someone, i.e. not closed and not merged into another ticket. The sender of a ticket is its
 * requester contact (ingestion creates one for every sender it can parse).
 */

/** A ticket in the queue. Closed tickets (e.g. closed by blocklisting their sender) and merged ones are not. */
export const QUEUED = { clientId: null, mergedIntoId: null, status: { not: "CLOSED" } } as const;

/** Requester filter: the sender's domain is `domain` or one of its subdomains, as routing matches it. */
export function fromDomainOrSubdomain(domain: string) {
  return { OR: [{ email: { endsWith: `@${domain}` } }, { email: { endsWith: `.${domain}` } }] };
}
