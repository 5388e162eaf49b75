/**
 * The durable outbound queue (R-OUT-3, R-OUT-4), read by every MTA node: claim due jobs, then record what the
 * remote server answered. Claims are compare-and-set updates (`UPDATE … WHERE id = ? AND <still due>`), so on
 * SQLite and PostgreSQL alike two workers never get the same job; a claim is a lease, and a job whose worker died
 * is claimed again once the lease runs out.
 */
import { z } from "zod";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";

/**
 * Wait before the next attempt after the Nth failed attempt (1-based): 1m, 5m, 15m, 1h, 2h, 4h, then every 8h.
 * Front-loaded because most 4xx (greylisting, a busy server) clear within minutes.
 */
export const RETRY_SCHEDULE_MS = [60_000, 300_000, 900_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000];
/** After this long since queueing, a message still not delivered is given up on and bounced (as MTAs do). */
export const GIVE_UP_AFTER_MS = 2 * 24 * 3_600_000;

/** The wait before the next attempt after `attempts` failed attempts. */
export function backoffMs(attempts: number): number {
  const i = Math.min(Math.max(attempts, 1), RETRY_SCHEDULE_MS.length) - 1;
  return RETRY_SCHEDULE_MS[i]!;
}

export type ClaimedJob = {
  id: string;
  tenantId: string;
  messageId: string;
  envelopeFrom: string;
  recipients: string[];
  /** The signed message, byte for byte. */
  raw: Buffer;
  /** Attempts including this one. */
  attempts: number;
  lockedUntil: Date;
};

export const claimOutboundJobsInput = z.object({
  workerId: z.string().min(1).max(200),
  limit: z.number().int().min(1).max(500).default(10),
  /** How long the claim holds; longer than one delivery attempt can take. */
  leaseMs: z.number().int().min(1_000).default(10 * 60_000),
  now: z.date().optional(),
});
export type ClaimOutboundJobsInput = z.input<typeof claimOutboundJobsInput>;

function dueWhere(now: Date) {
  return {
    OR: [
      { state: { in: ["QUEUED", "DEFERRED"] }, nextAttemptAt: { lte: now } },
      // A worker that claimed the job and died: its lease has run out.
      { state: "SENDING", lockedUntil: { lt: now } },
    ],
  };
}

/**
 * Claims up to `limit` due jobs for `workerId`, oldest due first; each claim increments `attempts` so a job that
 * keeps crashing its worker still reaches the give-up limit.
 */
export async function claimOutboundJobs(db: Tx, input: ClaimOutboundJobsInput): Promise<ClaimedJob[]> {
  const { workerId, limit, leaseMs, now = new Date() } = claimOutboundJobsInput.parse(input);
  const lockedUntil = new Date(now.getTime() + leaseMs);
  // Read more candidates than needed: other workers are claiming from the same head of the queue.
  const candidates = await db.outboundJob.findMany({
    where: dueWhere(now),
    orderBy: { nextAttemptAt: "asc" },
    take: limit * 3,
    select: { id: true },
  });
  const claimed: string[] = [];
  for (const { id } of candidates) {
    if (claimed.length >= limit) break;
    const { count } = await db.outboundJob.updateMany({
      where: { id, ...dueWhere(now) },
      data: { state: "SENDING", lockedBy: workerId, lockedUntil, attempts: { increment: 1 } },
    });
    if (count === 1) claimed.push(id);
  }
  if (claimed.length === 0) return [];
  const rows = await db.outboundJob.findMany({
    where: { id: { in: claimed }, lockedBy: workerId },
    select: { id: true, tenantId: true, messageId: true, envelopeFrom: true, recipients: true, raw: true, attempts: true, lockedUntil: true },
    orderBy: { nextAttemptAt: "asc" },
  });
  return rows.map((r) => ({
    ...r,
    recipients: JSON.parse(r.recipients) as string[],
    raw: Buffer.from(r.raw),
    lockedUntil: r.lockedUntil ?? lockedUntil,
  }));
}

export const deliveryResult = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("delivered"), remoteReply: z.string().max(2000) }),
  z.object({ kind: z.literal("deferred"), remoteReply: z.string().max(2000), nextAttemptAt: z.date().optional() }),
  z.object({
    kind: z.literal("bounced"),
    remoteReply: z.string().max(2000),
    /** The recipients the server refused; default all of the job's. They are marked failing (R-OUT-4). */
    recipients: z.array(z.string()).optional(),
  }),
]);
export type DeliveryResult = z.infer<typeof deliveryResult>;

export const recordDeliveryResultInput = z.object({
  jobId: z.string().min(1),
  /** When given, the result is only accepted from the worker holding the claim. */
  workerId: z.string().min(1).optional(),
  result: deliveryResult,
  now: z.date().optional(),
});
export type RecordDeliveryResultInput = z.input<typeof recordDeliveryResultInput>;

export type RecordedDelivery = { state: "DELIVERED" | "DEFERRED" | "BOUNCED"; nextAttemptAt: Date | null; reason: string };

/**
 * Records one delivery attempt's outcome: the job, the message's delivery state and an activity row, in one
 * transaction. Deferred → retried with back-off, or bounced once GIVE_UP_AFTER_MS has passed since queueing.
 * CONFLICT when the job is not being delivered (already finished, or another worker took it over).
 */
export async function recordDeliveryResult(db: Db, input: RecordDeliveryResultInput): Promise<RecordedDelivery> {
  const { jobId, workerId, result, now = new Date() } = recordDeliveryResultInput.parse(input);
  return db.$transaction(async (tx) => {
    const job = await tx.outboundJob.findUnique({
      where: { id: jobId },
      select: {
        id: true, tenantId: true, messageId: true, envelopeFrom: true, recipients: true, attempts: true, createdAt: true,
        message: { select: { ticketId: true, fromAddress: true, subject: true, messageIdHeader: true } },
      },
    });
    if (!job) throw new AppError("NOT_FOUND", "Outbound job not found.");

    let outcome: RecordedDelivery;
    if (result.kind === "delivered") {
      outcome = { state: "DELIVERED", nextAttemptAt: null, reason: result.remoteReply };
    } else if (result.kind === "bounced") {
      outcome = { state: "BOUNCED", nextAttemptAt: null, reason: result.remoteReply };
    } else {
      const next = result.nextAttemptAt ?? new Date(now.getTime() + backoffMs(job.attempts));
      const deadline = job.createdAt.getTime() + GIVE_UP_AFTER_MS;
      outcome =
        next.getTime() > deadline
          ? {
              state: "BOUNCED",
              nextAttemptAt: null,
              reason: `Gave up after ${job.attempts} attempts over ${Math.round(GIVE_UP_AFTER_MS / 3_600_000)} hours; last reply: ${result.remoteReply}`,
            }
          : { state: "DEFERRED", nextAttemptAt: next, reason: result.remoteReply };
    }

    const { count } = await tx.outboundJob.updateMany({
      where: { id: jobId, state: "SENDING", ...(workerId ? { lockedBy: workerId } : {}) },
      data: {
        state: outcome.state,
        lastReply: result.remoteReply,
        lockedBy: null,
        lockedUntil: null,
        ...(outcome.nextAttemptAt ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
      },
    });
    if (count === 0) {
      throw new AppError("CONFLICT", "This delivery is no longer held by this worker (finished or taken over after the lease ran out).");
    }

    const recipients = JSON.parse(job.recipients) as string[];
    await tx.message.update({
      where: { id: job.messageId },
      data: { deliveryState: outcome.state, deliveryDetail: outcome.reason },
    });
    await tx.activityLog.create({
      data: {
        tenantId: job.tenantId,
        direction: "OUTBOUND",
        outcome: outcome.state,
        reason: outcome.state === "DEFERRED" ? `Attempt ${job.attempts} deferred; retrying` : null,
        envelopeFrom: job.envelopeFrom,
        envelopeTo: recipients.join(", "),
        fromAddress: job.message.fromAddress,
        toAddress: recipients.join(", "),
        subject: job.message.subject,
        messageIdHeader: job.message.messageIdHeader,
        ticketId: job.message.ticketId,
        messageId: job.messageId,
        remoteReply: result.remoteReply,
        bounceDetail: outcome.state === "BOUNCED" ? outcome.reason : null,
        nextAttemptAt: outcome.nextAttemptAt,
      },
    });
    // A 5xx is permanent for the refused recipients; a give-up after days of 4xx is not evidence the address is bad.
    if (result.kind === "bounced") {
      const failed = (result.recipients ?? recipients).map((r) => r.toLowerCase());
      await markContactsFailing(tx, job.tenantId, failed, result.remoteReply, now);
    }
    return outcome;
  });
}

/** Marks the tenant's contacts with these addresses as failing (shown on the ticket, R-OUT-4). */
export async function markContactsFailing(db: Tx, tenantId: string, emails: string[], reason: string, at: Date): Promise<number> {
  if (emails.length === 0) return 0;
  const { count } = await db.contact.updateMany({
    where: { tenantId, email: { in: emails.map((e) => e.toLowerCase()) } },
    data: { emailFailing: true, lastBounceAt: at, lastBounceReason: reason.slice(0, 1000) },
  });
  return count;
}
