/**
 * The one rule for "an address of the tenant itself" (issue 15): its default From, its users' addresses and
 * send-as addresses, its clients' own From addresses, any address at one of its sending domains, and any address
 * at the gateway's inbound domain or under it (its mailboxes, reply and bounce addresses). Such an address is never
 * acknowledged (R-IN-9: the tenant's forwarding mailbox would loop), never added to a ticket as a participant and
 * never copied on a reply.
 */
import { readTogether } from "../db/read-together";
import { sqlOf, type SqlConn } from "../db/sql";
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
export async function loadOwnAddresses(db: SqlConn, tenantId: string, inboundDomain: string): Promise<OwnAddresses> {
  // Kysely (server/db/sql.ts), the four reads in one round trip (server/db/read-together.ts): this runs inside
  // the MTA's ingest transaction, while the tenant's lock is held.
  const sql = sqlOf(db);
  const [tenants, domains, users, clients] = await readTogether(sql, [
    sql.selectFrom("Tenant").select("defaultFromAddress").where("id", "=", tenantId).compile(),
    sql.selectFrom("SendingDomain").select("domain").where("tenantId", "=", tenantId).compile(),
    sql.selectFrom("user").select(["email", "sendAsAddress"]).where("tenantId", "=", tenantId).compile(),
    sql
      .selectFrom("Client")
      .select("sendingAddress")
      .where("tenantId", "=", tenantId)
      .where("sendingAddress", "is not", null)
      .compile(),
  ]);
  const addresses = [
    tenants[0]?.defaultFromAddress,
    ...users.flatMap((u) => [u.email, u.sendAsAddress]),
    ...clients.map((c) => c.sendingAddress),
  ];
  return {
    addresses: new Set(addresses.filter((a): a is string => Boolean(a)).map((a) => a.trim().toLowerCase())),
    sendingDomains: new Set(domains.map((d) => d.domain)),
    inboundDomain,
  };
}
