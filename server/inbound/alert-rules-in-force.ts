/** The tenant's enabled alert rules in order, read raw: this runs for every ticket mail the MTA receives. */
import type { Tx } from "../db/client";
import type { AlertRuleAction } from "../alert-rules/match-alert-rule";

export type RuleInForce = {
  id: string;
  name: string;
  enabled: boolean;
  senderKind: string | null;
  senderValue: string | null;
  subjectMode: string | null;
  subjectValue: string | null;
  headerName: string | null;
  headerValue: string | null;
  action: AlertRuleAction;
  clientId: string | null;
  ticketStatus: string | null;
};

export async function enabledAlertRules(tx: Tx, tenantId: string): Promise<RuleInForce[]> {
  const rows = await tx.$queryRaw<(Omit<RuleInForce, "enabled"> & { enabled: unknown })[]>`SELECT "id", "name", "senderKind",
      "senderValue", "subjectMode", "subjectValue", "headerName", "headerValue", "action", "clientId", "ticketStatus"
    FROM "AlertRule" WHERE "tenantId" = ${tenantId} AND "enabled" = TRUE ORDER BY "position" ASC, "createdAt" ASC`;
  return rows.map((r) => ({ ...r, enabled: true }));
}
