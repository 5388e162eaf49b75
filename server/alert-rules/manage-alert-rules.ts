/**
 * Managing a tenant's alert rules (R-AUTO-2): list in order, create (appended last), edit, reorder, enable or
 * disable, delete. Positions are rewritten as 0…n-1 inside one transaction on every reorder, so two admins
 * reordering at once end with one consistent order rather than duplicates.
 */
import { z } from "zod";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";
import { parseAlertRuleInput, type AlertRuleData, type AlertRuleInput } from "./alert-rule-fields";
import { describeAlertRuleConditions, type AlertRuleAction } from "./match-alert-rule";

export const MAX_ALERT_RULES = 200;

export type AlertRuleRow = AlertRuleData & {
  id: string;
  position: number;
  client: { id: string; name: string } | null;
  matchCount: number;
  lastMatchAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** The conditions in words (R-AUTO-3). */
  conditions: string;
};

const rowSelect = {
  id: true,
  position: true,
  name: true,
  enabled: true,
  senderKind: true,
  senderValue: true,
  subjectMode: true,
  subjectValue: true,
  headerName: true,
  headerValue: true,
  action: true,
  clientId: true,
  ticketStatus: true,
  matchCount: true,
  lastMatchAt: true,
  createdAt: true,
  updatedAt: true,
  client: { select: { id: true, name: true } },
} as const;

function toRow<T extends Omit<AlertRuleData, "action"> & { action: string }>(r: T): T & { action: AlertRuleAction; conditions: string } {
  return { ...r, action: r.action as AlertRuleAction, conditions: describeAlertRuleConditions(r) };
}

/** The tenant's rules in the order the MTA checks them. */
export async function listAlertRules(db: Db | Tx, tenantId: string): Promise<AlertRuleRow[]> {
  const rows = await db.alertRule.findMany({ where: { tenantId }, orderBy: [{ position: "asc" }, { createdAt: "asc" }], select: rowSelect });
  return rows.map(toRow);
}

async function checkClient(tx: Tx, tenantId: string, clientId: string | null): Promise<void> {
  if (!clientId) return;
  const client = await tx.client.findFirst({ where: { id: clientId, tenantId }, select: { id: true } });
  if (!client) throw new AppError("NOT_FOUND", "That client does not exist.", { field: "clientId" });
}

export async function createAlertRule(
  db: Db,
  args: { tenantId: string; userId: string; rule: AlertRuleInput },
): Promise<AlertRuleRow> {
  const data = parseAlertRuleInput(args.rule);
  return db.$transaction(async (tx) => {
    await checkClient(tx, args.tenantId, data.clientId);
    const count = await tx.alertRule.count({ where: { tenantId: args.tenantId } });
    if (count >= MAX_ALERT_RULES) {
      throw new AppError("PRECONDITION", `A tenant can have at most ${MAX_ALERT_RULES} alert rules.`);
    }
    const created = await tx.alertRule.create({
      data: { ...data, tenantId: args.tenantId, createdById: args.userId, position: count },
      select: rowSelect,
    });
    return toRow(created);
  });
}

export async function updateAlertRule(
  db: Db,
  args: { tenantId: string; id: string; rule: AlertRuleInput },
): Promise<AlertRuleRow> {
  const data = parseAlertRuleInput(args.rule);
  return db.$transaction(async (tx) => {
    await checkClient(tx, args.tenantId, data.clientId);
    const { count } = await tx.alertRule.updateMany({ where: { id: args.id, tenantId: args.tenantId }, data });
    if (count === 0) throw new AppError("NOT_FOUND", "That alert rule does not exist.");
    return toRow(await tx.alertRule.findUniqueOrThrow({ where: { id: args.id }, select: rowSelect }));
  });
}

export async function setAlertRuleEnabled(
  db: Db,
  args: { tenantId: string; id: string; enabled: boolean },
): Promise<void> {
  const { count } = await db.alertRule.updateMany({
    where: { id: args.id, tenantId: args.tenantId },
    data: { enabled: args.enabled },
  });
  if (count === 0) throw new AppError("NOT_FOUND", "That alert rule does not exist.");
}

export async function deleteAlertRule(db: Db, args: { tenantId: string; id: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const { count } = await tx.alertRule.deleteMany({ where: { id: args.id, tenantId: args.tenantId } });
    if (count === 0) throw new AppError("NOT_FOUND", "That alert rule does not exist.");
    await renumber(tx, args.tenantId, null);
  });
}

export const reorderAlertRulesInput = z.object({
  /** Every rule id of the tenant, in the new order. */
  ids: z.array(z.string().min(1).max(64)).max(MAX_ALERT_RULES),
});

/** Puts the rules in the given order; the list must name every rule of the tenant exactly once. */
export async function reorderAlertRules(db: Db, args: { tenantId: string; ids: string[] }): Promise<AlertRuleRow[]> {
  return db.$transaction(async (tx) => {
    await renumber(tx, args.tenantId, args.ids);
    return listAlertRules(tx, args.tenantId);
  });
}

/** Moves one rule a step up or down. */
export async function moveAlertRule(
  db: Db,
  args: { tenantId: string; id: string; direction: "up" | "down" },
): Promise<AlertRuleRow[]> {
  return db.$transaction(async (tx) => {
    const ids = (await listAlertRules(tx, args.tenantId)).map((r) => r.id);
    const i = ids.indexOf(args.id);
    if (i < 0) throw new AppError("NOT_FOUND", "That alert rule does not exist.");
    const j = args.direction === "up" ? i - 1 : i + 1;
    if (j >= 0 && j < ids.length) [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    await renumber(tx, args.tenantId, ids);
    return listAlertRules(tx, args.tenantId);
  });
}

async function renumber(tx: Tx, tenantId: string, order: string[] | null): Promise<void> {
  const current = (await listAlertRules(tx, tenantId)).map((r) => r.id);
  const ids = order ?? current;
  if (order) {
    if (order.some((id) => !current.includes(id))) throw new AppError("NOT_FOUND", "That alert rule does not exist.");
    const same = ids.length === current.length && new Set(ids).size === ids.length && ids.every((id) => current.includes(id));
    if (!same) throw new AppError("CONFLICT", "The rules changed while you were reordering them: reload and try again.");
  }
  for (const [position, id] of ids.entries()) {
    await tx.alertRule.updateMany({ where: { id, tenantId }, data: { position } });
  }
}
