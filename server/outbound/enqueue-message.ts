/**
 * The one way into the outbound queue (R-OUT-1, R-OUT-4): a composed, signed message is written as its Message
 * row (state QUEUED) with its raw source and attachments, one OutboundJob per recipient domain (each one SMTP
 * transaction to that domain's MX, retried on its own) and its QUEUED activity row — all in the caller's
 * transaction, so the delivery worker sees the whole message or nothing. Replies (queue-reply.ts) and
 * auto-acknowledgements (server/inbound/acknowledge.ts) enter here; so must anything else that sends mail.
 *
 * Mail that belongs to no ticket (account mail, forwarding canaries and health alerts) is enqueued
 * without a ticketId: then no Message row is written (a Message is an entry of a ticket's thread), only the
 * delivery jobs (messageId null, like account mail) and the activity row; the caller keeps its own record of it.
 */
import { recordActivity } from "../activity/record-activity";
import { newRowId } from "../db/raw-sql";
import { deferWrite } from "../db/prepared";
import { sqlOf, type SqlConn } from "../db/sql";
import { domainOf } from "../mail/addresses";
import type { Mailbox } from "./compose-message";
import type { DeliveryState, JobState } from "./delivery-states";

/** What an outbound message is, as the ticket thread shows it; CANARY and ALERT mail has no thread. */
export type OutboundKind = "REPLY" | "AUTO_ACK" | "CANARY" | "ALERT" | "ACCOUNT";

/** An attachment as stored: content with its hash (the caller hashed it for its own checks already). */
export type StoredAttachment = { filename: string; contentType: string; content: Buffer; sha256: string };

export type EnqueueMessageInput = {
  tenantId: string;
  /** The ticket whose thread shows the message; null for mail outside any ticket (no Message row). */
  ticketId: string | null;
  kind: OutboundKind;
  /** The id the message was composed with (newRowId()): its Message-Id and VERP envelope sender carry it. */
  messageId: string;
  /** Without angle brackets. */
  messageIdHeader: string;
  /** The VERP bounce address (bounceAddress()). */
  envelopeFrom: string;
  from: { address: string; name: string | null };
  to: Mailbox[];
  cc?: Mailbox[];
  subject: string;
  text: string;
  html?: string | null;
  inReplyTo?: string | null;
  references?: string[];
  threadTopic?: string | null;
  threadIndex?: string | null;
  /** The technician who wrote it; null for automatic mail. */
  authorId?: string | null;
  /** queueReply's idempotency key, unique per tenant. */
  idempotencyKey?: string | null;
  attachments?: StoredAttachment[];
  /** The composed and (where the domain has a key) DKIM-signed message, exactly as it goes on the wire. */
  raw: Buffer;
  /** When it was composed: Date header, sentAt, first attempt due. */
  at: Date;
  /** The QUEUED activity row's reason (e.g. "auto-acknowledgement"); null for a plain reply. */
  reason?: string | null;
};

export type EnqueuedMessage = {
  messageId: string;
  /** One delivery job per recipient domain, in first-seen order. */
  jobIds: string[];
  /** The envelope recipients: To and CC, lower-cased, each once. */
  recipients: string[];
};

/** The stored form of a To or CC list: JSON of {address, name}. */
export function mailboxesJson(list: Mailbox[]): string {
  return JSON.stringify(list.map((m) => ({ address: m.address, name: m.name ?? null })));
}

/** The envelope recipients of a To and CC list: lower-cased, each once, in order. */
export function envelopeRecipients(to: Mailbox[], cc: Mailbox[] = []): string[] {
  return [...new Set([...to, ...cc].map((m) => m.address.toLowerCase()))];
}

/** Recipients grouped by domain, in first-seen order. */
function byDomain(recipients: string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const r of recipients) {
    const d = domainOf(r);
    groups.set(d, [...(groups.get(d) ?? []), r]);
  }
  return [...groups.values()];
}

/** Writes the message, its jobs and its activity row in `tx` (see the file header). */
export async function enqueueMessage(conn: SqlConn, input: EnqueueMessageInput): Promise<EnqueuedMessage> {
  const { tenantId, messageId, at } = input;
  const cc = input.cc ?? [];
  const recipients = envelopeRecipients(input.to, cc);
  const raw = input.raw;
  const ticketId = input.ticketId;
  const threaded = ticketId !== null;
  const tx = sqlOf(conn);
  if (threaded) await insertMessageRow(conn, input, ticketId);
  const jobIds: string[] = [];
  for (const group of byDomain(recipients)) {
    const id = newRowId();
    await deferWrite(
      tx,
      tx.insertInto("OutboundJob").values({
        id,
        tenantId,
        messageId: threaded ? messageId : null,
        envelopeFrom: input.envelopeFrom,
        recipients: JSON.stringify(group),
        raw,
        state: "QUEUED" satisfies JobState,
        nextAttemptAt: at,
        createdAt: at,
        updatedAt: at,
      }),
    );
    jobIds.push(id);
  }
  await recordActivity(tx, {
    tenantId,
    direction: "OUTBOUND",
    outcome: "QUEUED",
    reason: input.reason ?? null,
    envelopeFrom: input.envelopeFrom,
    envelopeTo: recipients.join(", "),
    fromAddress: input.from.address,
    toAddress: recipients.join(", "),
    subject: input.subject,
    messageIdHeader: input.messageIdHeader,
    ticketId,
    messageId: threaded ? messageId : null,
    createdAt: at,
  });
  return { messageId, jobIds, recipients };
}

/** The thread entry of a ticket's outbound message: Message, MessageSource and attachments. */
async function insertMessageRow(conn: SqlConn, input: EnqueueMessageInput, ticketId: string): Promise<void> {
  const { tenantId, messageId, at } = input;
  const cc = input.cc ?? [];
  const raw = input.raw;
  const tx = sqlOf(conn);
  // Deferred (server/db/deferred-writes.ts): on PostgreSQL the message's rows go with the transaction's next statement.
  await deferWrite(
    tx,
    tx.insertInto("Message").values({
      id: messageId,
      tenantId,
      ticketId,
      direction: "OUTBOUND",
      kind: input.kind,
      messageIdHeader: input.messageIdHeader,
      inReplyTo: input.inReplyTo ?? null,
      references: input.references?.join(" ") || null,
      threadTopic: input.threadTopic ?? null,
      threadIndex: input.threadIndex ?? null,
      fromAddress: input.from.address,
      fromName: input.from.name || null,
      toJson: mailboxesJson(input.to),
      ccJson: mailboxesJson(cc),
      subject: input.subject,
      sentAt: at,
      textBody: input.text,
      newText: input.text,
      htmlBody: input.html ?? null,
      deliveryState: "QUEUED" satisfies DeliveryState,
      authorId: input.authorId ?? null,
      envelopeFrom: input.envelopeFrom,
      idempotencyKey: input.idempotencyKey ?? null,
      createdAt: at,
    }),
  );
  await deferWrite(tx, tx.insertInto("MessageSource").values({ messageId, raw }));
  if (input.attachments?.length) {
    await deferWrite(
      tx,
      tx.insertInto("Attachment").values(
        input.attachments.map((a) => ({
          id: newRowId(),
          createdAt: at,
          tenantId,
          messageId,
          filename: a.filename,
          contentType: a.contentType,
          size: a.content.length,
          sha256: a.sha256,
          content: a.content,
        })),
      ),
    );
  }
}
