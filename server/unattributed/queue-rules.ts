/**
 * What the Unattributed queue is (R-UNA-1), in one place: the tenant's tickets with no client that are still
 * waiting for someone, i.e. not closed and not merged into another ticket. The sender of a ticket is its
 * requester contact (ingestion creates one for every sender it can parse).
 */
import type { Tx } from "../db/client";

/** A ticket in the queue. Closed tickets (e.g. closed by blocklisting their sender) and merged ones are not. */
export const QUEUED = { clientId: null, mergedIntoId: null, status: { not: "CLOSED" } } as const;

/** Interactive transactions of the queue's actions: roomy, like ingestion's, since they share its lock. */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 };

/**
 * Serialises the queue's actions with each other and with ingestion for one tenant (the same row lock
 * ingestion takes first): a double-submitted action then sees what the first one committed, so it does
 * nothing twice, and a message arriving meanwhile routes against the committed client domains.
 */
export async function lockTenant(tx: Tx, tenantId: string): Promise<void> {
  await tx.$executeRaw`UPDATE "Tenant" SET "ticketSeq" = "ticketSeq" WHERE "id" = ${tenantId}`;
}

/** The domain of a stored (normalised) address. */
export function domainOfAddress(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1);
}

/** Requester filter: the sender's domain is `domain` or one of its subdomains, as routing matches it. */
export function fromDomainOrSubdomain(domain: string) {
  return { OR: [{ email: { endsWith: `@${domain}` } }, { email: { endsWith: `.${domain}` } }] };
}
