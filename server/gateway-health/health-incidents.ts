/**
 * Alerts (R-HEALTH-4): each health item that is alert-worthy is an incident, one open row per key. Opening one
 * mails the tenant's admins; while it stays open they are mailed again every 24 hours; when the item clears the
 * incident is resolved and a "resolved" mail goes out. The app shows a banner while any incident is open.
 * Mail goes through the normal outbound path (alert-mail.ts → enqueueMessage).
 */
import type { Db } from "../db/client";
import { queueAlertMail, type AlertMailDeps } from "./alert-mail";
import type { HealthItem } from "./health-summary";

export const REMIND_AFTER_MS = 24 * 3600_000;

export type IncidentChanges = { opened: string[]; reminded: string[]; resolved: string[] };

export async function updateIncidents(
  db: Db,
  deps: AlertMailDeps,
  tenantId: string,
  items: HealthItem[],
  now: Date,
): Promise<IncidentChanges> {
  const changes: IncidentChanges = { opened: [], reminded: [], resolved: [] };
  const open = await db.healthIncident.findMany({ where: { tenantId, resolvedAt: null } });
  const current = new Map(items.filter((i) => i.alert).map((i) => [i.key, i]));
  for (const incident of open) {
    const item = current.get(incident.key);
    if (!item) {
      await db.healthIncident.update({ where: { id: incident.id }, data: { resolvedAt: now } });
      await queueAlertMail(db, deps, tenantId, { kind: "resolved", title: incident.title, detail: incident.detail, href: incident.href, since: incident.openedAt }, now);
      changes.resolved.push(incident.key);
    } else if (!incident.lastAlertAt || now.getTime() - incident.lastAlertAt.getTime() >= REMIND_AFTER_MS) {
      await db.healthIncident.update({ where: { id: incident.id }, data: { lastAlertAt: now, detail: item.summary } });
      await queueAlertMail(db, deps, tenantId, { kind: "reminder", title: item.title, detail: item.summary, href: item.href, since: incident.openedAt }, now);
      changes.reminded.push(incident.key);
    } else if (incident.detail !== item.summary) {
      await db.healthIncident.update({ where: { id: incident.id }, data: { detail: item.summary } });
    }
    current.delete(incident.key);
  }
  for (const item of current.values()) {
    await db.healthIncident.create({
      data: { tenantId, key: item.key, title: item.title, detail: item.summary, href: item.href, openedAt: now, lastAlertAt: now },
    });
    await queueAlertMail(db, deps, tenantId, { kind: "opened", title: item.title, detail: item.summary, href: item.href, since: now }, now);
    changes.opened.push(item.key);
  }
  return changes;
}

export type OpenIncident = { id: string; title: string; detail: string; href: string; openedAt: Date };

/** The banner's incidents: open ones, oldest first. */
export async function openIncidents(db: Db, tenantId: string): Promise<OpenIncident[]> {
  return db.healthIncident.findMany({
    where: { tenantId, resolvedAt: null },
    orderBy: { openedAt: "asc" },
    select: { id: true, title: true, detail: true, href: true, openedAt: true },
  });
}
