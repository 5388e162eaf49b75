/** The tenant's enabled alert rules in order, read raw: this runs for every ticket mail the MTA receives. */
import type { Tx } from "../db/client";
import type { AlertRuleData } from "../alert-rules/alert-rule-fields";

export type RuleInForce = AlertRuleData & { id: string };

export async function enabledAlertRules(tx: Tx, tenantId: string): Promise<RuleInForce[]> {
  const rows = await tx.$queryRaw<Omit<RuleInForce, "enabled">[]>`SELECT "id", "name", "senderKind",
      "senderValue", "subjectMode", "subjectValue", "headerName", "headerValue", "action", "clientId", "ticketStatus"
    FROM "AlertRule" WHERE "tenantId" = ${tenantId} AND "enabled" = TRUE ORDER BY "position" ASC, "createdAt" ASC`;
  return rows.map((r) => ({ ...r, enabled: true }));
}
