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
export { MAX_ATTACHMENT_BYTES, MAX_RECIPIENTS, queueReply, queueReplyInput, type QueueReplyInput, type QueuedMessage } from "./queue-reply";
export {
  backoffMs,
  claimOutboundJobs,
  GIVE_UP_AFTER_MS,
  markContactsFailing,
  recordDeliveryResult,
  RETRY_SCHEDULE_MS,
  type ClaimedJob,
  type DeliveryResult,
  type RecordedDelivery,
} from "./delivery-queue";
export { applyDsn, type AppliedDsn, type ApplyDsnInput } from "./apply-dsn";
