/**
 * R-HEALTH-1: a canary that bounces instead of coming back says more than one that is silently lost: the public
 * address refused it (a deleted mailbox, a tenant that blocks external senders). Either way it is missed at once,
 * with the receiver's words kept for the Health page and the alert mail, instead of waiting out the 15 minutes:
 * - our own delivery was refused for good (its outbound job ended BOUNCED), settled by the health job's cycle;
 * - or a delivery status notification came back to the canary's bounce address (its VERP id is the canary's id).
 */
import type { Db } from "../db/client";

const MAX_REASON = 500;

/** Marks missed the canaries still out whose delivery job was refused for good; how many. */
export async function settleRefusedCanaries(db: Db, now: Date): Promise<number> {
  const out = await db.forwardingCanary.findMany({
    where: { arrivedAt: null, missedAt: null, outboundJobId: { not: null } },
    select: { id: true, outboundJobId: true },
  });
  if (!out.length) return 0;
  const refused = await db.outboundJob.findMany({
    where: { id: { in: out.map((c) => c.outboundJobId!) }, state: "BOUNCED" },
    select: { id: true, lastReply: true },
  });
  let settled = 0;
  for (const job of refused) {
    const canary = out.find((c) => c.outboundJobId === job.id)!;
    const reason = `was refused when the gateway delivered it: ${job.lastReply ?? "no reply text"}`;
    settled += await markBounced(db, { canaryId: canary.id, reason, at: now });
  }
  return settled;
}

/**
 * A failed-delivery notification about canary `canaryId` of `tenantId`: the canary is missed with the report's
 * words. False when no such canary is out (the caller then treats the notification as about an unknown message).
 */
export async function recordCanaryBounce(
  db: Db,
  bounce: { tenantId: string; canaryId: string; status: string | null; diagnosticCode: string | null; at: Date },
): Promise<boolean> {
  const canary = await db.forwardingCanary.findFirst({ where: { id: bounce.canaryId, tenantId: bounce.tenantId }, select: { id: true } });
  if (!canary) return false;
  const { status, diagnosticCode } = bounce;
  // The diagnostic usually repeats the status ("550 5.2.1 …"): say it once.
  const words = diagnosticCode && (!status || diagnosticCode.includes(status)) ? diagnosticCode : [status, diagnosticCode].filter(Boolean).join(" ") || "no reason given";
  await markBounced(db, { canaryId: canary.id, reason: `bounced: ${words}`, at: bounce.at });
  return true;
}

/** 1 when the canary became missed now; 0 when it had come back, or was missed already (it then gains the reason). */
async function markBounced(db: Db, m: { canaryId: string; reason: string; at: Date }): Promise<number> {
  const bounceReason = m.reason.replace(/\s+/g, " ").trim().slice(0, MAX_REASON);
  // A canary that came back (a late bounce from another hop) stays back.
  const { count } = await db.forwardingCanary.updateMany({
    where: { id: m.canaryId, arrivedAt: null, missedAt: null },
    data: { missedAt: m.at, bounceReason },
  });
  if (!count) await db.forwardingCanary.updateMany({ where: { id: m.canaryId, arrivedAt: null, bounceReason: null }, data: { bounceReason } });
  return count;
}
