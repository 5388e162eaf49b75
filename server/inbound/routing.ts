/**
 * Which client a new ticket belongs to (R-IN-5): the sender address equal to a contact → that contact's
 * client; else the sender's domain equal to a client's primary or alias domain, then its parent domains
 * (mail.example.com → example.com) → that client; else the Unattributed queue (clientId null). Domains are
 * compared lower-cased and IDN-normalised (A-labels), the form ClientDomain rows are stored in.
 */
import { preparedListQuery, preparedQuery } from "../db/prepared";
import { sqlOf, type Sql, type SqlConn } from "../db/sql";
import { domainOf, normaliseSenderAddress } from "../mail/addresses";

/** A sender's contact as routing and the fold look-up need it. */
export type SenderContact = { id: string; clientId: string | null; name: string | null };

export type Route = {
  clientId: string | null;
  via: "contact" | "domain" | "parent-domain" | "unattributed";
  /** The contact whose address the sender is, when there is one. */
  contactId: string | null;
  /** That contact as read, so the caller need not read it again. */
  contact?: SenderContact | null;
};

/** Longer than this is not a domain name (RFC 1035), so no client domain can equal it. */
const MAX_DOMAIN_LENGTH = 253;

/**
 * The domain and its parents, longest first, never a bare top-level label: a.b.example.com → …, example.com.
 * Only candidates up to 253 characters: built from the right, so a hostile 50 kB "domain" costs one pass, not
 * a quadratic number of joins and a query with thousands of parameters.
 */
export function domainCandidates(domain: string): string[] {
  const labels = domain.split(".").filter(Boolean);
  const out: string[] = [];
  let suffix = "";
  for (let i = labels.length - 1; i >= 0; i--) {
    suffix = suffix ? `${labels[i]}.${suffix}` : labels[i]!;
    if (suffix.length > MAX_DOMAIN_LENGTH) break;
    if (labels.length - i >= 2) out.push(suffix);
  }
  return out.reverse();
}

const contactStatement = preparedQuery((db, p: { tenantId: string; email: string }) =>
  db
    .selectFrom("Contact")
    .select(["id", "clientId", "name"])
    .where("tenantId", "=", p.tenantId)
    .where("email", "=", p.email),
);
const domainsStatement = preparedListQuery((db, p: { tenantId: string }, domains: string[]) =>
  db
    .selectFrom("ClientDomain")
    .select(["domain", "clientId"])
    .where("tenantId", "=", p.tenantId)
    .where("domain", "in", domains),
);

/** The contact whose address `email` (normalised, see normaliseSenderAddress) is; null when there is none. */
export async function senderContact(db: SqlConn, tenantId: string, email: string): Promise<SenderContact | null> {
  return (await contactStatement.first(sqlOf(db), { tenantId, email })) ?? null;
}

/** The reads routing needs for a sender (normalised address), to run with others (server/db/read-together.ts). */
export function routingReads(db: Sql, tenantId: string, address: string) {
  const candidates = domainCandidates(domainOf(address));
  return {
    contact: contactStatement.bind(db, { tenantId, email: address }),
    domains: candidates.length ? domainsStatement.bind(db, { tenantId }, candidates) : null,
  };
}

export type ClientDomainRow = { domain: string; clientId: string };

/** The route of mail without a sender address: the Unattributed queue. */
export const NO_SENDER_ROUTE: Readonly<Route> = { clientId: null, via: "unattributed", contactId: null };

/** Where a sender's mail goes, given its contact and the client domains among its address's domain and parents. */
export function routeFrom(
  address: string,
  contact: SenderContact | null,
  domainRows: readonly ClientDomainRow[],
): Route {
  if (contact?.clientId) return { clientId: contact.clientId, via: "contact", contactId: contact.id, contact };
  const domain = domainOf(address);
  for (const candidate of domainCandidates(domain)) {
    const row = domainRows.find((r) => r.domain === candidate);
    if (row) {
      const via = candidate === domain ? "domain" : "parent-domain";
      return { clientId: row.clientId, via, contactId: contact?.id ?? null, contact };
    }
  }
  return { clientId: null, via: "unattributed", contactId: contact?.id ?? null, contact };
}

/** `known`: the sender's contact when the caller has read it already in this transaction (undefined: not read). */
export async function routeSender(
  db: SqlConn,
  tenantId: string,
  senderAddress: string | null,
  known?: SenderContact | null,
): Promise<Route> {
  const address = normaliseSenderAddress(senderAddress);
  if (!address) return NO_SENDER_ROUTE;
  const sql = sqlOf(db);
  // `known` was read by the address as given: only good when normalising leaves that address as it is.
  const contact =
    known !== undefined && address === senderAddress ? known : await senderContact(sql, tenantId, address);
  if (contact?.clientId) return routeFrom(address, contact, []);
  const candidates = domainCandidates(domainOf(address));
  const rows = candidates.length ? await domainsStatement.all(sql, { tenantId }, candidates) : [];
  return routeFrom(address, contact, rows);
}
