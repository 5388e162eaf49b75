/**
 * The states of outbound mail, stored as plain strings (SQLite has no enums; see schema.prisma) and typed here.
 * A Message's deliveryState is what the ticket thread shows; an OutboundJob's state is one delivery to one
 * recipient domain, which is SENDING while a worker holds its lease. A message is never SENDING, only its job.
 */
export type DeliveryState = "QUEUED" | "DELIVERED" | "DEFERRED" | "BOUNCED";
export type JobState = DeliveryState | "SENDING";
