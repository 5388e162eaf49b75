/**
 * The durable outbound queue (R-OUT-3, R-OUT-4), read by every MTA node: claim due jobs, then record what the
 * remote server answered. Claims are compare-and-set updates (`UPDATE … WHERE id = ? AND <still due>`):
 * - PostgreSQL (READ COMMITTED): a second UPDATE of the same row waits for the first to commit, then re-checks its
 *   WHERE against the committed row (state is SENDING, lease in the future) and matches nothing;
 * - SQLite: writes are serialised by the database lock, so the second UPDATE sees the first one's result.
 * Either way two workers never hold the same job. A claim is a lease that the worker renews while it delivers; a job
 * whose worker died is claimed again once the lease runs out. Leases compare against each node's clock, so nodes
 * must keep their clocks in sync (NTP) to well within OUTBOUND_LEASE_SECONDS.
 */
import type { ExpressionBuilder } from "kysely";
import { z } from "zod";
import { recordActivity } from "../activity/record-activity";
import type { Db } from "../db/client";
import { sqlOf, sqlTransaction, type DB, type SqlConn } from "../db/sql";
import { AppError } from "../errors";
import { JOB_STATE_RANK, WAITING_JOB_STATES, jobStateOf, type AttemptState, type DeliveryState, type JobState } from "./delivery-states";

/**
 * Wait before the next attempt after the Nth failed attempt (1-based): 1m, 5m, 15m, 1h, 2h, 4h, then every 8h.
 * Front-loaded because most 4xx (greylisting, a busy server) clear within minutes. OUTBOUND_RETRY_SCHEDULE
 * replaces it.
 */
export const RETRY_SCHEDULE_MS = [60_000, 300_000, 900_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000];
/** After this long since queueing, a message still not delivered is given up on and bounced (as MTAs do). */
export const GIVE_UP_AFTER_MS = 2 * 24 * 3_600_000;

/** The wait before the next attempt after `attempts` failed attempts. */
export function backoffMs(attempts: number, schedule: readonly number[] = RETRY_SCHEDULE_MS): number {
  const list = schedule.length ? schedule : RETRY_SCHEDULE_MS;
  const i = Math.min(Math.max(attempts, 1), list.length) - 1;
  return list[i]!;
}

export type ClaimedJob = {
  id: string;
  tenantId: string;
  /** Null for account mail (invitations, password resets): no ticket message behind it. */
  messageId: string | null;
  envelopeFrom: string;
  /** The recipients still to deliver to (a job covers one recipient domain). */
  recipients: string[];
  /** The signed message, byte for byte. */
  raw: Buffer;
  /** Attempts including this one. */
  attempts: number;
  lockedUntil: Date;
  /**
   * Set when a previous worker died after committing to the end of DATA: the message may have been accepted, the
   * reply was never recorded (see deliver-job.ts).
   */
  interrupted: { at: Date; recipients: string[] } | null;
};

export const claimOutboundJobsInput = z.object({
  workerId: z.string().min(1).max(200),
  limit: z.number().int().min(1).max(500).default(10),
  /** How long the claim holds unless renewed; longer than the gap between two renewals. */
  leaseMs: z.number().int().min(1_000).default(10 * 60_000),
  now: z.date().optional(),
});
export type ClaimOutboundJobsInput = z.input<typeof claimOutboundJobsInput>;

/** Due: queued or deferred and its time has come, or claimed by a worker that died (its lease has run out). */
function due(now: Date) {
  return (eb: ExpressionBuilder<DB, "OutboundJob">) =>
    eb.or([
      eb.and([eb("state", "in", [...WAITING_JOB_STATES]), eb("nextAttemptAt", "<=", now)]),
      eb.and([eb("state", "=", "SENDING"), eb("lockedUntil", "<", now)]),
    ]);
}

function jsonList(value: string | null): string[] {
  if (!value) return [];
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === "string") : [];
}

/**
 * Claims up to `limit` due jobs for `workerId`, oldest due first; each claim increments `attempts` so a job that
 * keeps crashing its worker still reaches the give-up limit.
 */
export async function claimOutboundJobs(conn: SqlConn, input: ClaimOutboundJobsInput): Promise<ClaimedJob[]> {
  const { workerId, limit, leaseMs, now = new Date() } = claimOutboundJobsInput.parse(input);
  const db = sqlOf(conn);
  const lockedUntil = new Date(now.getTime() + leaseMs);
  // Read more candidates than needed: other workers are claiming from the same head of the queue.
  const candidates = await db
    .selectFrom("OutboundJob")
    .select("id")
    .where(due(now))
    .orderBy("nextAttemptAt", "asc")
    .limit(limit * 3)
    .execute();
  const claimed: string[] = [];
  for (const { id } of candidates) {
    if (claimed.length >= limit) break;
    const { numUpdatedRows } = await db
      .updateTable("OutboundJob")
      .set((eb) => ({ state: "SENDING", lockedBy: workerId, lockedUntil, attempts: eb("attempts", "+", 1), updatedAt: new Date() }))
      .where("id", "=", id)
      .where(due(now))
      .executeTakeFirst();
    if (numUpdatedRows === 1n) claimed.push(id);
  }
  if (claimed.length === 0) return [];
  const rows = await db
    .selectFrom("OutboundJob")
    .select(["id", "tenantId", "messageId", "envelopeFrom", "recipients", "raw", "attempts", "lockedUntil", "dataSentAt", "dataRecipients"])
    .where("id", "in", claimed)
    .where("lockedBy", "=", workerId)
    .orderBy("nextAttemptAt", "asc")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenantId,
    messageId: r.messageId,
    envelopeFrom: r.envelopeFrom,
    recipients: jsonList(r.recipients),
    raw: Buffer.from(r.raw),
    attempts: r.attempts,
    lockedUntil: r.lockedUntil ?? lockedUntil,
    interrupted: r.dataSentAt ? { at: r.dataSentAt, recipients: jsonList(r.dataRecipients) } : null,
  }));
}

/** The claim is still this worker's and its lease has not run out. */
function held(jobId: string, workerId: string, now: Date) {
  return (eb: ExpressionBuilder<DB, "OutboundJob">) =>
    eb.and([eb("id", "=", jobId), eb("state", "=", "SENDING"), eb("lockedBy", "=", workerId), eb("lockedUntil", ">", now)]);
}

/** Extends the worker's claim while a delivery runs. False when the claim was lost (lease ran out, taken over). */
export async function renewLease(db: SqlConn, input: { jobId: string; workerId: string; leaseMs: number; now?: Date }): Promise<boolean> {
  const now = input.now ?? new Date();
  const { numUpdatedRows } = await sqlOf(db)
    .updateTable("OutboundJob")
    .set({ lockedUntil: new Date(now.getTime() + input.leaseMs), updatedAt: new Date() })
    .where(held(input.jobId, input.workerId, now))
    .executeTakeFirst();
  return numUpdatedRows === 1n;
}

/**
 * Commits, before the end-of-data dot is sent, that this transaction's recipients may receive the message. CONFLICT
 * when the claim is no longer this worker's: the caller must then abort without sending the dot, so a job taken
 * over by another worker is never delivered by both.
 */
export async function markDataSending(db: SqlConn, input: { jobId: string; workerId: string; recipients: string[]; now?: Date }): Promise<void> {
  const now = input.now ?? new Date();
  const { numUpdatedRows } = await sqlOf(db)
    .updateTable("OutboundJob")
    .set({ dataSentAt: now, dataRecipients: JSON.stringify(input.recipients), updatedAt: new Date() })
    .where(held(input.jobId, input.workerId, now))
    .executeTakeFirst();
  if (numUpdatedRows !== 1n) throw new AppError("CONFLICT", "This delivery is no longer held by this worker.");
}

/**
 * Gives a claimed job back untouched (nothing was sent: the worker is stopping). No activity row: nothing happened.
 * The attempt it counted is taken back.
 */
export async function releaseClaim(conn: SqlConn, input: { jobId: string; workerId: string }): Promise<boolean> {
  const db = sqlOf(conn);
  const job = await db
    .selectFrom("OutboundJob")
    .select("attempts")
    .where("id", "=", input.jobId)
    .where("state", "=", "SENDING")
    .where("lockedBy", "=", input.workerId)
    .executeTakeFirst();
  if (!job) return false;
  const attempts = Math.max(job.attempts - 1, 0);
  const now = new Date();
  const { numUpdatedRows } = await db
    .updateTable("OutboundJob")
    .set({ state: attempts > 0 ? "DEFERRED" : "QUEUED", attempts, lockedBy: null, lockedUntil: null, nextAttemptAt: now, updatedAt: now })
    .where("id", "=", input.jobId)
    .where("state", "=", "SENDING")
    .where("lockedBy", "=", input.workerId)
    .where("dataSentAt", "is", null)
    .executeTakeFirst();
  return numUpdatedRows === 1n;
}

export const recipientOutcome = z.object({
  recipient: z.string().min(1).max(320),
  kind: z.enum(["delivered", "deferred", "bounced"]),
  /** The remote server's reply (or what went wrong on the way), as recorded in the activity log. */
  reply: z.string().max(2000),
});
export type RecipientOutcome = z.infer<typeof recipientOutcome>;

export const recordDeliveryAttemptInput = z.object({
  jobId: z.string().min(1),
  /** When given, the result is only accepted from the worker holding the claim. */
  workerId: z.string().min(1).optional(),
  /** One per recipient of the job; a recipient without one is deferred. */
  outcomes: z.array(recipientOutcome),
  /** Where the attempt went, e.g. "mx1.example.com:25 with STARTTLS"; shown in the activity log. */
  via: z.string().max(500).optional(),
  /** Overrides the back-off for deferred recipients. */
  nextAttemptAt: z.date().optional(),
  retryScheduleMs: z.array(z.number().positive()).optional(),
  /** A note for the activity rows (e.g. a message sent again after a crash, which may arrive twice). */
  note: z.string().max(500).optional(),
  now: z.date().optional(),
});
export type RecordDeliveryAttemptInput = z.input<typeof recordDeliveryAttemptInput>;

export type RecordedDelivery = {
  /** The job's state after this attempt. */
  state: AttemptState;
  /** The message's state over all its jobs (a DSN's BOUNCED is never undone). */
  messageState: DeliveryState;
  nextAttemptAt: Date | null;
  reason: string;
};

/** The message's state from its jobs' (JOB_STATE_RANK): the worst wins; a job in progress leaves it QUEUED. */
function messageStateOf(jobs: { state: string; bouncedRecipients: string | null }[], current: string | null): DeliveryState {
  // A job still retrying some recipients may already have had others refused for good.
  if (current === "BOUNCED" || jobs.some((j) => j.bouncedRecipients)) return "BOUNCED";
  const worst = jobs.map((j) => jobStateOf(j.state)).reduce<JobState>((a, b) => (JOB_STATE_RANK[b] > JOB_STATE_RANK[a] ? b : a), "DELIVERED");
  return worst === "SENDING" ? "QUEUED" : worst;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const item of items) m.set(key(item), [...(m.get(key(item)) ?? []), item]);
  return m;
}

/**
 * Records one delivery attempt's outcome per recipient (R-OUT-4): the job (delivered and bounced recipients leave it,
 * deferred ones stay with the next attempt time, or are bounced once GIVE_UP_AFTER_MS has passed since queueing),
 * the message's delivery state, one activity row per outcome and remote reply, and failing contacts for 5xx
 * refusals — in one transaction. CONFLICT when the job is not being delivered by this worker (already finished, or
 * taken over after the lease ran out).
 */
export async function recordDeliveryAttempt(db: Db, rawInput: RecordDeliveryAttemptInput): Promise<RecordedDelivery> {
  const input = recordDeliveryAttemptInput.parse(rawInput);
  const now = input.now ?? new Date();
  return sqlTransaction(db, async (tx) => {
    // Write first: on SQLite this takes the write lock before the transaction reads anything (a deferred transaction
    // that reads first fails with SQLITE_BUSY when another process wrote in between); on PostgreSQL it locks the job's
    // row, so no other node can claim it until this commits. It also checks the claim is still this worker's.
    const stillHeld = (eb: ExpressionBuilder<DB, "OutboundJob">) =>
      eb.and([
        eb("id", "=", input.jobId),
        eb("state", "=", "SENDING"),
        ...(input.workerId ? [eb("lockedBy", "=", input.workerId)] : []),
      ]);
    const holding = await tx
      .updateTable("OutboundJob")
      .set({ lockedUntil: new Date(now.getTime() + 60_000), updatedAt: new Date() })
      .where(stillHeld)
      .executeTakeFirst();
    if (holding.numUpdatedRows === 0n) {
      const exists = await tx.selectFrom("OutboundJob").select("id").where("id", "=", input.jobId).executeTakeFirst();
      if (!exists) throw new AppError("NOT_FOUND", "Outbound job not found.");
      throw new AppError("CONFLICT", "This delivery is no longer held by this worker (finished or taken over after the lease ran out).");
    }
    const row = await tx
      .selectFrom("OutboundJob as j")
      .leftJoin("Message as m", "m.id", "j.messageId")
      .select([
        "j.id", "j.tenantId", "j.messageId", "j.envelopeFrom", "j.recipients", "j.attempts", "j.createdAt", "j.bouncedRecipients",
        "m.ticketId", "m.fromAddress", "m.subject", "m.messageIdHeader",
      ])
      .where("j.id", "=", input.jobId)
      .executeTakeFirst();
    if (!row) throw new AppError("NOT_FOUND", "Outbound job not found.");
    const { ticketId, fromAddress, subject, messageIdHeader, ...rest } = row;
    const job = { ...rest, message: row.messageId && fromAddress !== null ? { ticketId, fromAddress, subject, messageIdHeader } : null };

    const byRecipient = new Map(input.outcomes.map((o) => [o.recipient.toLowerCase(), o]));
    const outcomes: RecipientOutcome[] = jsonList(job.recipients).map(
      (r) => byRecipient.get(r.toLowerCase()) ?? { recipient: r, kind: "deferred", reply: "No reply recorded for this recipient" },
    );
    let deferred = outcomes.filter((o) => o.kind === "deferred");
    let gaveUp: RecipientOutcome[] = [];
    let nextAttemptAt: Date | null = null;
    if (deferred.length) {
      const next = input.nextAttemptAt ?? new Date(now.getTime() + backoffMs(job.attempts, input.retryScheduleMs));
      if (next.getTime() > job.createdAt.getTime() + GIVE_UP_AFTER_MS) {
        const hours = Math.round(GIVE_UP_AFTER_MS / 3_600_000);
        gaveUp = deferred.map((o) => ({ ...o, kind: "bounced", reply: `Gave up after ${job.attempts} attempts over ${hours} hours; last reply: ${o.reply}` }));
        deferred = [];
      } else {
        nextAttemptAt = next;
      }
    }
    const refused = outcomes.filter((o) => o.kind === "bounced");
    const delivered = outcomes.filter((o) => o.kind === "delivered");
    const bouncedAll = [...new Set([...jsonList(job.bouncedRecipients), ...[...refused, ...gaveUp].map((o) => o.recipient.toLowerCase())])];
    const state: AttemptState = deferred.length ? "DEFERRED" : bouncedAll.length ? "BOUNCED" : "DELIVERED";

    const { numUpdatedRows } = await tx
      .updateTable("OutboundJob")
      .set({
        state,
        updatedAt: new Date(),
        lastReply: (gaveUp[0] ?? refused[0] ?? deferred[0] ?? delivered[0])?.reply.slice(0, 2000) ?? null,
        lockedBy: null,
        lockedUntil: null,
        dataSentAt: null,
        dataRecipients: null,
        bouncedRecipients: bouncedAll.length ? JSON.stringify(bouncedAll) : null,
        ...(deferred.length ? { recipients: JSON.stringify(deferred.map((o) => o.recipient)), nextAttemptAt: nextAttemptAt! } : {}),
      })
      .where(stillHeld)
      .executeTakeFirst();
    if (numUpdatedRows === 0n) {
      throw new AppError("CONFLICT", "This delivery is no longer held by this worker (finished or taken over after the lease ran out).");
    }

    const groups: { state: DeliveryState; items: RecipientOutcome[] }[] = [];
    const byState: [AttemptState, RecipientOutcome[]][] = [["DELIVERED", delivered], ["DEFERRED", deferred], ["BOUNCED", [...refused, ...gaveUp]]];
    for (const [state, items] of byState) {
      for (const same of groupBy(items, (o) => o.reply).values()) groups.push({ state, items: same });
    }
    const via = input.via ? ` via ${input.via}` : "";
    for (const g of groups) {
      const to = g.items.map((o) => o.recipient).join(", ");
      const reply = g.items[0]!.reply;
      const reason =
        g.state === "DEFERRED"
          ? `Attempt ${job.attempts} deferred${via}; next attempt ${nextAttemptAt!.toISOString()}`
          : g.state === "DELIVERED"
            ? `Delivered${via}`
            : `Refused${via}`;
      await recordActivity(tx, {
        tenantId: job.tenantId,
        direction: "OUTBOUND",
        outcome: g.state,
        reason: input.note ? `${reason} (${input.note})` : reason,
        envelopeFrom: job.envelopeFrom,
        envelopeTo: to,
        fromAddress: job.message?.fromAddress ?? null,
        toAddress: to,
        subject: job.message?.subject ?? null,
        messageIdHeader: job.message?.messageIdHeader ?? null,
        ticketId: job.message?.ticketId ?? null,
        messageId: job.messageId,
        remoteReply: reply,
        bounceDetail: g.state === "BOUNCED" ? reply : null,
        nextAttemptAt: g.state === "DEFERRED" ? nextAttemptAt : null,
        createdAt: now,
      });
    }
    // A 5xx is permanent for the refused recipients; a give-up after days of 4xx is not evidence the address is bad.
    if (refused.length) {
      await markContactsFailing(tx, job.tenantId, refused.map((o) => o.recipient), refused[0]!.reply, now);
    }

    // The message's state is derived from all its jobs, and jobs of other recipient domains are recorded by other
    // deliveries at the same time: take the message's row lock first (a no-op UPDATE, as for the ticket sequence),
    // so two deliveries of one message are recorded one after the other and the second sees the first's job state.
    // Without it, on PostgreSQL (READ COMMITTED), each could see the other's job still SENDING and both leave the
    // message QUEUED for good. Jobs are always locked before the message (here and in applyDsn): no deadlock.
    const reason = (gaveUp[0] ?? refused[0] ?? deferred[0] ?? delivered[0])?.reply ?? "";
    // Account mail (invitations, password resets) has no message: its job is all there is.
    if (!job.messageId) return { state, messageState: state, nextAttemptAt, reason };
    const current = await tx
      .updateTable("Message")
      .set((eb) => ({ deliveryState: eb.ref("deliveryState") }))
      .where("id", "=", job.messageId)
      .returning("deliveryState")
      .executeTakeFirst();
    if (!current) throw new AppError("NOT_FOUND", "The outbound job's message no longer exists.");
    const jobs = await tx.selectFrom("OutboundJob").select(["state", "bouncedRecipients"]).where("messageId", "=", job.messageId).execute();
    const messageState = messageStateOf(jobs, current.deliveryState);
    const detail = (refused[0] ?? gaveUp[0] ?? deferred[0] ?? delivered[0])?.reply ?? null;
    await tx
      .updateTable("Message")
      .set({
        deliveryState: messageState,
        // A DSN's bounce reason stays what the ticket shows.
        ...(current.deliveryState === "BOUNCED" ? {} : { deliveryDetail: detail }),
      })
      .where("id", "=", job.messageId)
      .execute();
    return { state, messageState, nextAttemptAt, reason };
  });
}

/** Marks the tenant's contacts with these addresses as failing (shown on the ticket, R-OUT-4). */
export async function markContactsFailing(db: SqlConn, tenantId: string, emails: string[], reason: string, at: Date): Promise<number> {
  if (emails.length === 0) return 0;
  const { numUpdatedRows } = await sqlOf(db)
    .updateTable("Contact")
    .set({ emailFailing: true, lastBounceAt: at, lastBounceReason: reason.slice(0, 1000), updatedAt: new Date() })
    .where("tenantId", "=", tenantId)
    .where("email", "in", emails.map((e) => e.toLowerCase()))
    .executeTakeFirst();
  return Number(numUpdatedRows);
}
