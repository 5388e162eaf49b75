/**
 * The mail an incident sends to the tenant's admins (R-HEALTH-4): when it opens, every 24 hours while it lasts,
 * and when it resolves. Plain text from the tenant mailbox, marked as automatic mail, on the normal outbound queue.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import { newRowId } from "../db/raw-sql";
import { bounceAddress, domainOf, tenantMailbox } from "../mail/addresses";
import { composeOutboundMessage } from "../outbound/compose-message";
import { enqueueMessage } from "../outbound/enqueue-message";

export type AlertMailDeps = { secret: string; inboundDomain: string; appUrl: string };
export type AlertMail = { kind: "opened" | "reminder" | "resolved"; title: string; detail: string; href: string; since: Date };
export const ALERT_REASON = "health alert";

/** Queues the alert to every enabled admin of the tenant; false when the tenant has none. */
export async function queueAlertMail(db: Db, deps: AlertMailDeps, tenantId: string, alert: AlertMail, now: Date): Promise<boolean> {
  const tenant = await db.tenant.findUniqueOrThrow({
    where: { id: tenantId },
    select: { slug: true, name: true, users: { where: { role: "ADMIN", disabled: false }, select: { email: true, name: true } } },
  });
  if (!tenant.users.length) return false;
  const from = { address: tenantMailbox(tenant.slug, deps.inboundDomain), name: `${tenant.name} helpdesk health` };
  const { subject, text } = alertText(alert, deps.appUrl);
  const messageIdHeader = `health-${randomBytes(12).toString("hex")}@${domainOf(from.address)}`;
  const to = tenant.users.map((u) => ({ address: u.email, name: u.name }));
  const raw = await composeOutboundMessage({
    from,
    to,
    subject,
    text,
    messageId: messageIdHeader,
    extraHeaders: { "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All" },
    date: now,
  });
  const messageId = newRowId();
  const envelopeFrom = bounceAddress(deps.secret, { slug: tenant.slug, messageId }, deps.inboundDomain);
  await db.$transaction((tx) =>
    enqueueMessage(tx, { tenantId, ticketId: null, kind: "ALERT", messageId, messageIdHeader, envelopeFrom, from, to, subject, text, raw, at: now, reason: ALERT_REASON }),
  );
  return true;
}

export function alertText(alert: AlertMail, appUrl: string): { subject: string; text: string } {
  const link = new URL(alert.href, appUrl).toString();
  const since = `${alert.since.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  if (alert.kind === "resolved") {
    return {
      subject: `Resolved: ${alert.title}`,
      text: [`The problem with "${alert.title}" has cleared.`, "", `It started ${since}.`, "", `Health page: ${new URL("/settings/email-gateway/health", appUrl).toString()}`].join("\n"),
    };
  }
  return {
    subject: `${alert.kind === "reminder" ? "Still a problem" : "Problem"}: ${alert.title}`,
    text: [
      alert.detail,
      "",
      `Since ${since}. You are mailed again every 24 hours while it lasts, and once when it is resolved.`,
      "",
      `Fix it here: ${link}`,
    ].join("\n"),
  };
}
