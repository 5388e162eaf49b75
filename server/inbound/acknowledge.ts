/**
 * The acknowledgement decision and message (R-IN-9): whether a new ticket's sender gets an automatic answer,
 * and if so the message itself, queued in the ticket's transaction.
 */
import { isAppError } from "../errors";
import { newRowId } from "../db/raw-sql";
import { sqlOf, type SqlConn } from "../db/sql";
import { bounceAddress, domainOf, replyAddress, tenantMailbox } from "../mail/addresses";
import { mayAutoAcknowledge, type MailClassification } from "../mail/automatic-mail";
import { autoAckValues, DEFAULT_ACK_SUBJECT, DEFAULT_ACK_TEMPLATE, renderAutoAck } from "../mail/auto-ack-template";
import { composeOutboundMessage } from "../outbound/compose-message";
import { dkimSignMessage } from "../outbound/dkim-sign";
import { enqueueMessage } from "../outbound/enqueue-message";
import { outboundMessageId } from "../outbound/message-id";
import { sendingDomainPrivateKey } from "../sending-domains/manage-sending-domains";
import { resolveFromAddress } from "../sending-domains/resolve-from-address";
import type { LockedTenant } from "../tenants/lock-tenant";
import { isOwnAddress, loadOwnAddresses } from "../tenants/own-addresses";
import type { FiledTicket } from "./file-ticket";
import type { ReceivedMessage } from "./received-message";

/** The activity reason of an auto-acknowledgement's QUEUED row; also what the per-sender limit counts. */
export const AUTO_ACK_REASON = "auto-acknowledgement";

/**
 * R-IN-9: acknowledge a new ticket only to an authenticated human sender (mayAutoAcknowledge: human mail whose
 * From the checks vouched for, not no-reply or mailer-daemon, not our own domain), never to the tenant's own
 * sending addresses (the forwarding mailbox: the seed's loop), at most `autoAckPerSenderHour` per sender per
 * hour. Stored as an OUTBOUND AUTO_ACK message in state QUEUED with its OutboundJob, in the ticket's
 * transaction. Returns a note for the activity reason and the decision in words (R-AUTO-3).
 */
export async function maybeAutoAcknowledge(
  tx: SqlConn,
  m: ReceivedMessage,
  a: {
    tenantId: string;
    slug: string;
    tenant: LockedTenant;
    ticket: FiledTicket;
    sender: string | null;
    classification: MailClassification;
    senderAuthenticated: boolean;
    now: Date;
  },
): Promise<{ note: string; decision: string; messageId?: string }> {
  const { deps, parsed } = m;
  const not = (why: string) => ({ note: `; no auto-acknowledgement (${why})`, decision: `no acknowledgement: ${why}` });
  if (!a.tenant.autoAckEnabled) return { note: "", decision: "no acknowledgement: acknowledgements are turned off" };
  const may = mayAutoAcknowledge({
    senderAddress: a.sender,
    classification: a.classification,
    senderAuthenticated: a.senderAuthenticated,
    ownDomains: [deps.inboundDomain],
  });
  if (!may.ok) return not(may.reason);
  if (!a.sender) return not("no sender address");
  const sender = a.sender;
  if (isOwnAddress(await loadOwnAddresses(tx, a.tenantId, deps.inboundDomain), sender)) return not("own address");
  const since = new Date(a.now.getTime() - 3_600_000);
  const { n: recent } = await sqlOf(tx)
    .selectFrom("ActivityLog")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("tenantId", "=", a.tenantId)
    .where("toAddress", "=", sender)
    .where("createdAt", ">=", since)
    .where("direction", "=", "OUTBOUND")
    .where("reason", "=", AUTO_ACK_REASON)
    .executeTakeFirstOrThrow();
  if (Number(recent) >= a.tenant.autoAckPerSenderHour)
    return not(`limit of ${a.tenant.autoAckPerSenderHour} per sender per hour`);

  let from: { address: string; name: string };
  let signing: { domain: string; selector: string; privateKeyPem: string } | null = null;
  try {
    const resolved = await resolveFromAddress(tx, { tenantId: a.tenantId, clientId: a.ticket.clientId });
    from = { address: resolved.address, name: resolved.name };
    signing = {
      domain: resolved.sendingDomain.domain,
      selector: resolved.sendingDomain.selector,
      privateKeyPem: await sendingDomainPrivateKey(tx, deps.secret, a.tenantId, resolved.sendingDomain.id),
    };
  } catch (err) {
    if (!isAppError(err)) throw err;
    // No verified sending domain yet: acknowledge from the tenant's own inbound address, under the gateway's
    // domain and signed with the gateway's key as day-one replies are (R-UX-1); never from an unverified MSP
    // domain (R-OUT-2). Relaxed DMARC alignment covers <slug>.INBOUND_DOMAIN with d=INBOUND_DOMAIN.
    from = { address: tenantMailbox(a.slug, deps.inboundDomain), name: a.tenant.defaultFromName ?? a.tenant.name };
    const gateway = deps.gatewayDkim;
    signing = gateway ? { domain: gateway.domain, selector: gateway.selector, privateKeyPem: gateway.privateKeyPem } : null;
  }

  const messageId = newRowId();
  const values = autoAckValues({
    ticketNumber: a.ticket.number,
    subject: a.ticket.subject,
    tenantName: a.tenant.defaultFromName ?? a.tenant.name,
    requesterName: parsed.from?.name || null,
  });
  const subject = renderAutoAck(a.tenant.autoAckSubject || DEFAULT_ACK_SUBJECT, values);
  const text = renderAutoAck(a.tenant.autoAckTemplate || DEFAULT_ACK_TEMPLATE, values);
  const envelopeFrom = bounceAddress(deps.secret, { slug: a.slug, messageId }, deps.inboundDomain);
  const to = [{ address: sender, name: parsed.from?.name ?? null }];
  const inReplyTo = parsed.messageIdGenerated ? null : parsed.messageId;
  const references = parsed.messageIdGenerated ? parsed.references : [...parsed.references, parsed.messageId];
  let messageIdHeader: string;
  let raw: Buffer;
  try {
    messageIdHeader = outboundMessageId(deps.secret, {
      tenantSlug: a.slug,
      ticketId: a.ticket.id,
      messageId,
      domain: domainOf(from.address),
    });
    const composed = await composeOutboundMessage({
      from,
      to,
      replyTo: { address: replyAddress(deps.secret, { slug: a.slug, ticketId: a.ticket.id }, deps.inboundDomain) },
      subject,
      text,
      messageId: messageIdHeader,
      inReplyTo,
      references,
      threadTopic: parsed.threadTopic,
      threadIndex: parsed.threadIndex,
      // RFC 3834 and Microsoft's suppression header: well-behaved responders do not answer this.
      extraHeaders: { "Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All", Precedence: "auto_reply" },
      date: a.now,
    });
    raw = signing ? await dkimSignMessage(composed, { ...signing, signTime: a.now }) : composed;
  } catch (err) {
    // The sender's address or name cannot be written safely (or signing failed): the ticket still stands.
    return not(err instanceof Error ? err.message.slice(0, 200) : "compose failed");
  }

  await enqueueMessage(tx, {
    tenantId: a.tenantId,
    ticketId: a.ticket.id,
    kind: "AUTO_ACK",
    messageId,
    messageIdHeader,
    envelopeFrom,
    from,
    to,
    subject,
    text,
    inReplyTo,
    references,
    threadTopic: parsed.threadTopic,
    threadIndex: parsed.threadIndex,
    raw,
    at: a.now,
    reason: AUTO_ACK_REASON,
  });
  return {
    note: "; auto-acknowledgement queued",
    decision: "acknowledged: an authenticated person opened a new ticket",
    messageId,
  };
}

