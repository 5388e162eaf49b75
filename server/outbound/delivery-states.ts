/**
 * The states of outbound mail, stored as plain strings (SQLite has no enums; see schema.prisma) and typed here.
 * A Message's deliveryState is what the ticket thread shows; an OutboundJob's state is one delivery to one
 * recipient domain, which is SENDING while a worker holds its lease. A message is never SENDING, only its job.
 */
export type DeliveryState = "QUEUED" | "DELIVERED" | "DEFERRED" | "BOUNCED";
export type JobState = DeliveryState | "SENDING";

/** The outcome of one delivery attempt of a job (what recordDeliveryAttempt writes). */
export type AttemptState = Exclude<DeliveryState, "QUEUED">;

/** Jobs waiting for their next attempt: due ones are claimed, a permanent DSN stops them. */
export const WAITING_JOB_STATES = ["QUEUED", "DEFERRED"] as const satisfies readonly JobState[];

/** How bad a job's state is for its message: any bounce wins, then pending retries, then in progress, then delivered. */
export const JOB_STATE_RANK: Record<JobState, number> = { BOUNCED: 4, DEFERRED: 3, SENDING: 2, QUEUED: 2, DELIVERED: 1 };

/** A job state read from the database (a plain string column). */
export function jobStateOf(value: string): JobState {
  if (value in JOB_STATE_RANK) return value as JobState;
  throw new Error(`unknown outbound job state: ${JSON.stringify(value)}`);
}
