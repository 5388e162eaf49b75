/**
 * A delivery status notification that came back to a message's VERP address (R-IN-8, R-OUT-4). The inbound side
 * parses the DSN (RFC 3464) and recognises the VERP token; this records what it means for the outbound message.
 */
import { z } from "zod";
import { recordActivity } from "../activity/record-activity";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { markContactsFailing } from "./delivery-queue";
import { WAITING_JOB_STATES, type DeliveryState, type JobState } from "./delivery-states";

export const applyDsnInput = z.object({
  tenantId: z.string().min(1),
  /** From the VERP token of the address the DSN was sent to. */
  messageId: z.string().min(1),
  dsn: z.object({
    /** RFC 3463 status, e.g. "5.7.1". */
    status: z.string().max(20),
    diagnosticCode: z.string().max(2000).nullable().optional(),
    /** Final-Recipient, with or without its "rfc822;" type. */
    finalRecipient: z.string().max(500).nullable().optional(),
    /** A spam score the destination gave in its reason, when it gave one. */
    spamScore: z.number().nullable().optional(),
    /** A failed (5.x.x) rather than delayed (4.x.x) notification. */
    permanent: z.boolean(),
  }),
  now: z.date().optional(),
});
export type ApplyDsnInput = z.input<typeof applyDsnInput>;

export type AppliedDsn = { deliveryState: string; reason: string };

/** "rfc822; Jane@Example.com" → "jane@example.com". */
function bareRecipient(value: string | null | undefined): string | null {
  if (!value) return null;
  const v = value.includes(";") ? value.slice(value.indexOf(";") + 1) : value;
  const a = v.trim().replace(/^<|>$/g, "").toLowerCase();
  return a.includes("@") ? a : null;
}

/**
 * A permanent DSN flips the message to BOUNCED (even after it was DELIVERED to the next hop) with the
 * destination's reason, stops any pending retry, and marks the recipient's contact as failing. A delay notice only
 * adds an activity row: the remote side is still trying, and the final outcome will follow. NOT_FOUND when the
 * message is not an outbound message of the tenant.
 */
export async function applyDsn(db: Db, input: ApplyDsnInput): Promise<AppliedDsn> {
  const { tenantId, messageId, dsn, now = new Date() } = applyDsnInput.parse(input);
  const recipient = bareRecipient(dsn.finalRecipient);
  const diagnostic = dsn.diagnosticCode?.replace(/\s+/g, " ").trim();
  const reason = [
    dsn.status,
    diagnostic,
    // The score is shown on its own unless the destination's text already gives it.
    dsn.spamScore != null && !diagnostic?.includes(String(dsn.spamScore)) ? `(spam score ${dsn.spamScore})` : null,
  ]
    .filter(Boolean)
    .join(" ");
  return db.$transaction(async (tx) => {
    // Write first (see recordDeliveryAttempt): the message's jobs, which a DSN may have to stop anyway. Takes SQLite's
    // write lock before any read, and on PostgreSQL waits for a worker recording the same message.
    await tx.outboundJob.updateMany({ where: { messageId, tenantId }, data: { updatedAt: now } });
    const message = await tx.message.findFirst({
      where: { id: messageId, tenantId, direction: "OUTBOUND" },
      select: { id: true, ticketId: true, fromAddress: true, subject: true, messageIdHeader: true, envelopeFrom: true, deliveryState: true },
    });
    if (!message) throw new AppError("NOT_FOUND", "Outbound message not found.");
    let deliveryState: string = message.deliveryState ?? ("QUEUED" satisfies DeliveryState);
    if (dsn.permanent) {
      deliveryState = "BOUNCED" satisfies DeliveryState;
      await tx.message.update({ where: { id: message.id }, data: { deliveryState, deliveryDetail: reason } });
      // A job still waiting to retry must not send again to an address that has failed for good.
      await tx.outboundJob.updateMany({
        where: { messageId: message.id, state: { in: [...WAITING_JOB_STATES] } },
        data: { state: "BOUNCED" satisfies JobState, lastReply: reason },
      });
      if (recipient) await markContactsFailing(tx, tenantId, [recipient], reason, now);
    }
    await recordActivity(tx, {
      tenantId,
      direction: "OUTBOUND",
      outcome: dsn.permanent ? "BOUNCED" : "DEFERRED",
      reason: dsn.permanent ? "Bounce notification (DSN) received" : "Delay notification (DSN) received",
      envelopeFrom: message.envelopeFrom,
      fromAddress: message.fromAddress,
      toAddress: recipient,
      subject: message.subject,
      messageIdHeader: message.messageIdHeader,
      ticketId: message.ticketId,
      messageId: message.id,
      bounceDetail: reason,
      createdAt: now,
    });
    return { deliveryState, reason };
  });
}
