/** Outbound mail (R-OUT-1…5, R-TKT-2): the module's public surface. */
export { outboundMessageId, parseOutboundMessageId, type OutboundMessageRef } from "./message-id";
export {
  capReferences,
  composeOutboundMessage,
  headerText,
  REFERENCES_KEEP_LAST,
  safeAddress,
  stripControl,
  type ComposeAttachment,
  type ComposeInput,
  type Mailbox,
} from "./compose-message";
export { dkimSignMessage } from "./dkim-sign";
export { MAX_MARKDOWN_CHARS, renderReplyMarkdown } from "./render-markdown";
export {
  idempotencyKey,
  MAX_ATTACHMENT_BYTES,
  MAX_RECIPIENTS,
  queueReply,
  queueReplyInput,
  type QueueReplyInput,
  type QueuedMessage,
} from "./queue-reply";
export {
  backoffMs,
  claimOutboundJobs,
  GIVE_UP_AFTER_MS,
  markContactsFailing,
  markDataSending,
  recordDeliveryAttempt,
  releaseClaim,
  renewLease,
  RETRY_SCHEDULE_MS,
  type ClaimedJob,
  type RecipientOutcome,
  type RecordedDelivery,
} from "./delivery-queue";
export { deliverJob, resolveRoutes, sendOverSmtp, type DeliveredJob, type DeliverJobContext, type DeliveryOptions, type HostPort, type Route } from "./deliver-job";
export { applyDsn, type AppliedDsn, type ApplyDsnInput } from "./apply-dsn";
