/** The tenant's enabled alert rules in order: this runs for every ticket mail the MTA receives. */
import { sqlOf, type SqlConn } from "../db/sql";
import type { AlertRuleData } from "../alert-rules/alert-rule-fields";

export type RuleInForce = AlertRuleData & { id: string };

export async function enabledAlertRules(tx: SqlConn, tenantId: string): Promise<RuleInForce[]> {
  const rows = await sqlOf(tx)
    .selectFrom("AlertRule")
    .select([
      "id",
      "name",
      "senderKind",
      "senderValue",
      "subjectMode",
      "subjectValue",
      "headerName",
      "headerValue",
      "action",
      "clientId",
      "ticketStatus",
    ])
    .where("tenantId", "=", tenantId)
    .where("enabled", "=", true)
    .orderBy("position", "asc")
    .orderBy("createdAt", "asc")
    .execute();
  return rows.map((r) => ({ ...r, enabled: true }) as RuleInForce);
}
