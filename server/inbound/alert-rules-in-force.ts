/** The tenant's enabled alert rules in order: this runs for every ticket mail the MTA receives. */
import { preparedQuery } from "../db/prepared";
import { sqlOf, type Sql, type SqlConn } from "../db/sql";
import type { AlertRuleData } from "../alert-rules/alert-rule-fields";

export type RuleInForce = AlertRuleData & { id: string };

const rulesStatement = preparedQuery((db, p: { tenantId: string }) =>
  db
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
    .where("tenantId", "=", p.tenantId)
    .where("enabled", "=", true)
    .orderBy("position", "asc")
    .orderBy("createdAt", "asc"),
);

export async function enabledAlertRules(tx: SqlConn, tenantId: string): Promise<RuleInForce[]> {
  return rulesInForce(await rulesStatement.all(sqlOf(tx), { tenantId }));
}

/** The read of enabledAlertRules, to run with others (server/db/read-together.ts); rulesInForce makes its rows rules. */
export function alertRulesRead(db: Sql, tenantId: string) {
  return rulesStatement.bind(db, { tenantId });
}

export function rulesInForce(rows: readonly object[]): RuleInForce[] {
  return rows.map((r) => ({ ...r, enabled: true }) as RuleInForce);
}
