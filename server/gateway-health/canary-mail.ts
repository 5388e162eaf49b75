/**
 * Sends the forwarding canary (R-HEALTH-1): a short plain-text message from the tenant mailbox to one of the MSP's
 * public support addresses, marked as automatic mail, with its signed token in a header and in the Message-Id. The
 * MSP's forward brings it back to the tenant mailbox, where receive-canary.ts recognises it.
 */
import { bounceAddress, canaryToken, domainOf, tenantMailbox } from "../mail/addresses";
import type { Db } from "../db/client";
import { newRowId } from "../db/raw-sql";
import { composeOutboundMessage } from "../outbound/compose-message";
import { enqueueMessage } from "../outbound/enqueue-message";

/** The header a canary carries its token in. */
export const CANARY_HEADER = "X-OpsMerge-Canary";
/** The Message-Id local part of a canary starts with this, followed by the token. */
export const CANARY_MESSAGE_ID_PREFIX = "canary-";
export const CANARY_REASON = "forwarding canary";

export type CanaryDeps = { secret: string; inboundDomain: string };

/** Queues one canary to `address` (a CanaryAddress row) and records it as sent at `now`. */
export async function sendCanary(
  db: Db,
  deps: CanaryDeps,
  target: { tenantId: string; slug: string; tenantName: string; addressId: string; address: string },
  now: Date,
): Promise<string> {
  const canaryId = newRowId();
  const token = canaryToken(deps.secret, { slug: target.slug, canaryId });
  const mailbox = tenantMailbox(target.slug, deps.inboundDomain);
  const from = { address: mailbox, name: `${target.tenantName} forwarding check` };
  const messageIdHeader = `${CANARY_MESSAGE_ID_PREFIX}${token}@${domainOf(mailbox)}`;
  const subject = "OpsMerge forwarding check (automatic, please ignore)";
  const text = [
    "This is an automatic check from OpsMerge, your helpdesk's email gateway.",
    "",
    `It was sent to ${target.address} and should come straight back to the helpdesk through your forwarding rule.`,
    "It never becomes a ticket. If it does not come back twice in a row, your admins are told that forwarding is broken.",
    "",
    "Nobody needs to read or answer it.",
  ].join("\n");
  const raw = await composeOutboundMessage({
    from,
    to: [{ address: target.address }],
    subject,
    text,
    messageId: messageIdHeader,
    extraHeaders: { "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All", [CANARY_HEADER]: token },
    date: now,
  });
  // No Message row: the bounce address carries the canary's own id, so a bounce finds the canary (canary-bounce.ts).
  const messageId = canaryId;
  const envelopeFrom = bounceAddress(deps.secret, { slug: target.slug, messageId }, deps.inboundDomain);
  await db.$transaction(async (tx) => {
    const queued = await enqueueMessage(tx, {
      tenantId: target.tenantId,
      ticketId: null,
      kind: "CANARY",
      messageId,
      messageIdHeader,
      envelopeFrom,
      from,
      to: [{ address: target.address }],
      subject,
      text,
      raw,
      at: now,
      reason: CANARY_REASON,
    });
    await tx.forwardingCanary.create({
      data: { id: canaryId, tenantId: target.tenantId, addressId: target.addressId, sentAt: now, outboundJobId: queued.jobIds[0] ?? null },
    });
  });
  return canaryId;
}
