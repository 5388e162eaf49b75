/**
 * What a ticket mail's transaction reads right after the tenant's lock: the blocklist, the alert rules (for
 * mail that may open tickets), and the sender's contact and the client domains its address routes to. On
 * PostgreSQL one round trip (server/db/read-together.ts) instead of four while the lock is held. The contact
 * and domains are read whether or not the mail turns out to thread onto a ticket: one sub-select more costs
 * less than another round trip.
 */
import { readTogether } from "../db/read-together";
import type { Sql } from "../db/sql";
import type { BlocklistEntry } from "../mail/blocklist";
import { alertRulesRead, rulesInForce, type RuleInForce } from "./alert-rules-in-force";
import { blocklistRead } from "./blocklist-entries";
import { NO_SENDER_ROUTE, routeFrom, routingReads, type Route, type SenderContact } from "./routing";

export type TenantContext = {
  blocklist: BlocklistEntry[];
  rules: RuleInForce[];
  /** The sender's contact (null: none), undefined when the mail has no sender address. */
  contact: SenderContact | null | undefined;
  /** Where a new ticket of this sender goes (R-IN-5). */
  route: Route;
};

/** `sender`: the normalised sender address, if any; `withRules`: whether alert rules apply to this mail. */
export async function readTenantContext(
  tx: Sql,
  a: { tenantId: string; sender: string | null; withRules: boolean },
): Promise<TenantContext> {
  const { tenantId, sender } = a;
  const routing = sender ? routingReads(tx, tenantId, sender) : null;
  const [blocklist, rules, contacts, domains] = await readTogether(tx, [
    blocklistRead(tx, tenantId),
    a.withRules ? alertRulesRead(tx, tenantId) : null,
    routing ? routing.contact : null,
    routing?.domains ?? null,
  ]);
  const contact = sender ? (contacts?.[0] ?? null) : undefined;
  return {
    blocklist,
    rules: rules ? rulesInForce(rules) : [],
    contact,
    route: sender ? routeFrom(sender, contact ?? null, domains ?? []) : NO_SENDER_ROUTE,
  };
}
