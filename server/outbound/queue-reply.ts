/**
 * A ticket reply from composer to durable queue (R-OUT-1, R-OUT-2, R-TKT-2):
 * From resolved by the one rule, Reply-To the ticket's reply address, a signed Message-Id, In-Reply-To the last
 * inbound message and References the thread, envelope sender the message's VERP address, DKIM-signed with the
 * sending domain's key; then queued by enqueueMessage (enqueue-message.ts) in one transaction with the ticket's
 * last activity, so the MTA either sees the whole message or nothing.
 *
 * Idempotent with a key (R-OUT-3, R-OUT-4: nothing sent twice): the key is stored on the message in that same
 * transaction, unique per tenant, so a retry of the same reply (a double click, a browser retry after a lost
 * answer, a client retrying after the web node restarted) returns the stored message instead of queueing another.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { isUniqueViolation } from "../clients/prisma-errors";
import type { Db } from "../db/client";
import { newRowId } from "../db/raw-sql";
import { AppError } from "../errors";
import { bounceAddress, replyAddress } from "../mail/addresses";
import { sendingDomainPrivateKey } from "../sending-domains/manage-sending-domains";
import { resolveFromAddress } from "../sending-domains/resolve-from-address";
import { capReferences, composeOutboundMessage, safeAddress, stripControl } from "./compose-message";
import type { DeliveryState } from "./delivery-states";
import { dkimSignMessage } from "./dkim-sign";
import { enqueueMessage, envelopeRecipients, mailboxesJson } from "./enqueue-message";
import { outboundMessageId } from "./message-id";

/** Recipients per message (To + CC); relays commonly refuse more per transaction. */
export const MAX_RECIPIENTS = 50;
/** Total attachment bytes, below the 25 MB most receivers accept once base64 adds a third. */
export const MAX_ATTACHMENT_BYTES = 18 * 1024 * 1024;

/**
 * A client's idempotency key for one reply (the composer sends a random UUID per draft): long enough not to be
 * guessed into a collision, short and plain enough to store and log.
 */
export const idempotencyKey = z
  .string()
  .min(16, "The idempotency key is too short.")
  .max(100, "The idempotency key is too long.")
  .regex(/^[A-Za-z0-9_-]+$/, "The idempotency key may hold only letters, digits, - and _.");

const mailbox = z.union([
  z.string().transform((address) => ({ address, name: null as string | null })),
  z.object({ address: z.string(), name: z.string().nullable().optional() }),
]);

export const queueReplyInput = z.object({
  tenantId: z.string().min(1),
  ticketId: z.string().min(1),
  /** The technician replying; null when no one in particular (the tenant's default From). */
  authorId: z.string().min(1).nullable(),
  to: z.array(mailbox).min(1, "Add at least one recipient."),
  cc: z.array(mailbox).default([]),
  /** Defaults to "Re: <ticket subject>". */
  subject: z.string().max(998).optional(),
  bodyText: z.string().max(1_000_000),
  /** HTML rendered (and sanitised) by the caller from the composer's rich text or Markdown. */
  bodyHtml: z.string().max(5_000_000).nullable().optional(),
  attachments: z
    .array(z.object({ filename: z.string().min(1).max(255), contentType: z.string().min(1).max(255), content: z.instanceof(Buffer) }))
    .default([]),
  /** APP_SECRET: reply/bounce tokens, Message-Id MAC and the DKIM key's encryption. */
  secret: z.string().min(1),
  inboundDomain: z.string().min(1),
  /**
   * The gateway's own DKIM key for `inboundDomain` (server/sending-domains/gateway-dkim.ts). With it, a tenant that
   * has configured no From replies from its gateway address (R-UX-1); without it, that is refused (R-OUT-2).
   */
  gatewayDkim: z.object({ domain: z.string().min(1), selector: z.string().min(1), privateKeyPem: z.string().min(1) }).optional(),
  /** Makes the call idempotent: a second call with the key returns the message the first one stored. */
  idempotencyKey: idempotencyKey.optional(),
});
export type QueueReplyInput = z.input<typeof queueReplyInput>;

export type QueuedMessage = {
  messageId: string;
  /** Without angle brackets. */
  messageIdHeader: string;
  /** The first of `jobIds`. */
  jobId: string;
  /** One delivery job per recipient domain. */
  jobIds: string[];
  from: { address: string; name: string };
  envelopeFrom: string;
  recipients: string[];
  /** QUEUED for a new message; a replayed one's current state (DELIVERED, DEFERRED, BOUNCED …). */
  deliveryState: DeliveryState;
  /** True when an earlier call with the same idempotency key had stored this message: nothing new was queued. */
  replayed: boolean;
};

function splitRefs(refs: string | null): string[] {
  return refs ? refs.split(/\s+/).filter(Boolean) : [];
}

/** What a reply's content is compared on when its idempotency key comes again. */
type ReplyContent = { to: string; cc: string; text: string; html: string | null; subject: string | null; files: string[] };

function sameContent(stored: ReplyContent, asked: ReplyContent): boolean {
  return (
    stored.to === asked.to &&
    stored.cc === asked.cc &&
    stored.text === asked.text &&
    stored.html === asked.html &&
    (asked.subject === null || stored.subject === asked.subject) &&
    stored.files.join("\n") === asked.files.join("\n")
  );
}

/**
 * The message an earlier call with `key` stored in the tenant, as queueReply answered then (with its current
 * delivery state), or null when there is none. It must be a reply on `ticket` (or on the ticket it was merged
 * into: merging moves the messages to the survivor) with the same content; otherwise CONFLICT, nothing queued.
 *
 * Same key, different content is refused rather than answered with the stored message: the only way it happens is
 * a technician who edited the draft after a send whose answer was lost, and that first version is the one going to
 * the client. Answering "queued" would tell them their edit went out; the refusal says what did, and sending the
 * correction is then their own decision (the composer starts a new key for it).
 */
async function findReplayedReply(
  db: Db,
  params: {
    tenantId: string;
    key: string;
    ticket: { id: string; mergedIntoId: string | null };
    content: ReplyContent;
  },
): Promise<QueuedMessage | null> {
  const stored = await db.message.findUnique({
    where: { tenantId_idempotencyKey: { tenantId: params.tenantId, idempotencyKey: params.key } },
    select: {
      id: true,
      ticketId: true,
      messageIdHeader: true,
      fromAddress: true,
      fromName: true,
      envelopeFrom: true,
      deliveryState: true,
      toJson: true,
      ccJson: true,
      textBody: true,
      htmlBody: true,
      subject: true,
      attachments: { select: { filename: true, sha256: true } },
      outboundJobs: { select: { id: true, recipients: true }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
    },
  });
  if (!stored) return null;
  if (stored.ticketId !== params.ticket.id && stored.ticketId !== params.ticket.mergedIntoId) {
    throw new AppError("CONFLICT", "This idempotency key was already used for a reply on another ticket.");
  }
  const content: ReplyContent = {
    to: stored.toJson,
    cc: stored.ccJson,
    text: stored.textBody ?? "",
    html: stored.htmlBody,
    subject: stored.subject,
    files: stored.attachments.map((a) => `${a.sha256} ${a.filename}`).sort(),
  };
  if (!sameContent(content, params.content)) {
    throw new AppError(
      "CONFLICT",
      "This reply was already sent as first written; it is in the thread. Your later changes were not sent.",
    );
  }
  const jobIds = stored.outboundJobs.map((j) => j.id);
  return {
    messageId: stored.id,
    messageIdHeader: stored.messageIdHeader,
    jobId: jobIds[0] ?? "",
    jobIds,
    from: { address: stored.fromAddress, name: stored.fromName ?? "" },
    envelopeFrom: stored.envelopeFrom ?? "",
    recipients: stored.outboundJobs.flatMap((j) => JSON.parse(j.recipients) as string[]),
    deliveryState: (stored.deliveryState ?? "QUEUED") as DeliveryState,
    replayed: true,
  };
}

/**
 * Builds, signs and queues a message on a ticket. NOT_FOUND for another tenant's ticket; BAD_INPUT (with field)
 * for unsafe or too many recipients; PRECONDITION naming the unmet DNS record when the From domain is not verified
 * (R-OUT-2), or naming the survivor when the ticket was merged (R-TKT-3); CONFLICT for an idempotency key used on
 * another ticket or with other content (findReplayedReply) — nothing is written in any of these cases.
 */
export async function queueReply(db: Db, rawInput: QueueReplyInput): Promise<QueuedMessage> {
  const parsed = queueReplyInput.safeParse(rawInput);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("BAD_INPUT", issue?.message ?? "Invalid reply.", { field: String(issue?.path[0] ?? "") });
  }
  const input = parsed.data;
  const { tenantId } = input;

  const to = input.to.map((m) => ({ address: safeAddress(m.address, "to"), name: m.name ?? null }));
  const cc = input.cc.map((m) => ({ address: safeAddress(m.address, "cc"), name: m.name ?? null }));
  const recipients = envelopeRecipients(to, cc);
  if (recipients.length > MAX_RECIPIENTS) {
    throw new AppError("BAD_INPUT", `At most ${MAX_RECIPIENTS} recipients per message.`, { field: "cc" });
  }
  const attachmentBytes = input.attachments.reduce((n, a) => n + a.content.length, 0);
  if (attachmentBytes > MAX_ATTACHMENT_BYTES) {
    throw new AppError("BAD_INPUT", `Attachments may total at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB.`, { field: "attachments" });
  }

  const ticket = await db.ticket.findFirst({
    where: { id: input.ticketId, tenantId },
    select: {
      id: true,
      subject: true,
      clientId: true,
      mergedIntoId: true,
      mergedInto: { select: { number: true } },
      tenant: { select: { slug: true } },
    },
  });
  if (!ticket) throw new AppError("NOT_FOUND", "Ticket not found.");
  const slug = ticket.tenant.slug;

  const key = input.idempotencyKey;
  // Up to the attachment limit in bytes: hashed once, for the replay comparison and the stored rows.
  const attachmentHashes = input.attachments.map((a) => createHash("sha256").update(a.content).digest("hex"));
  const content: ReplyContent = {
    to: mailboxesJson(to),
    cc: mailboxesJson(cc),
    text: input.bodyText,
    html: input.bodyHtml ?? null,
    subject: input.subject?.trim() ? stripControl(input.subject.trim()) : null,
    files: input.attachments.map((a, i) => `${attachmentHashes[i]} ${stripControl(a.filename)}`).sort(),
  };
  const replayed = () => (key ? findReplayedReply(db, { tenantId, key, ticket, content }) : Promise.resolve(null));
  // The usual retry (the first call long committed) is answered here, before anything is signed; two calls at
  // once both get past this, and the unique key decides between them below.
  const earlier = await replayed();
  if (earlier) return earlier;
  // After the replay: a reply stored before its ticket was merged is still the answer to its retry.
  if (ticket.mergedInto)
    throw new AppError("PRECONDITION", `This ticket was merged into #${ticket.mergedInto.number}; reply there.`);

  const fromInput = { tenantId, ...(input.authorId ? { userId: input.authorId } : {}), clientId: ticket.clientId };
  const gatewayKey = input.gatewayDkim;
  const from = gatewayKey
    ? await resolveFromAddress(db, fromInput, { inboundDomain: gatewayKey.domain, selector: gatewayKey.selector })
    : await resolveFromAddress(db, fromInput);
  // d= and s= of the signature and the Message-Id's domain: the From's sending domain, or the gateway's (R-UX-1).
  const signingDomain = from.source === "gateway" ? from.signing : from.sendingDomain;

  const thread = await db.message.findMany({
    where: { ticketId: ticket.id, tenantId, kind: { not: "NOTE" } },
    orderBy: [{ sentAt: "asc" }, { createdAt: "asc" }],
    select: { messageIdHeader: true, direction: true, references: true, threadTopic: true, threadIndex: true },
  });
  // In-Reply-To names the last message from the client's side; References is its chain plus it (RFC 5322 §3.6.4),
  // with the thread's first message kept as root so clients that thread on the root still do.
  const parent = thread.filter((m) => m.direction === "INBOUND").at(-1) ?? thread.at(-1);
  const references = parent
    ? capReferences([...(thread[0] ? [thread[0].messageIdHeader] : []), ...splitRefs(parent.references), parent.messageIdHeader])
    : [];
  const threadTopic = thread.findLast((m) => m.threadTopic)?.threadTopic ?? null;
  const threadIndex = parent?.threadIndex ?? thread.findLast((m) => m.threadIndex)?.threadIndex ?? null;

  const subject = stripControl(input.subject?.trim() || (/^re:/i.test(ticket.subject) ? ticket.subject : `Re: ${ticket.subject}`));
  const messageId = newRowId();
  const messageIdHeader = outboundMessageId(input.secret, { tenantSlug: slug, ticketId: ticket.id, messageId, domain: signingDomain.domain });
  const reply = replyAddress(input.secret, { slug, ticketId: ticket.id }, input.inboundDomain);
  const envelopeFrom = bounceAddress(input.secret, { slug, messageId }, input.inboundDomain);
  const sentAt = new Date();

  const composed = await composeOutboundMessage({
    from: { address: from.address, name: from.name },
    to,
    cc,
    replyTo: { address: reply },
    subject,
    text: input.bodyText,
    html: input.bodyHtml ?? null,
    attachments: input.attachments,
    messageId: messageIdHeader,
    inReplyTo: parent?.messageIdHeader ?? null,
    references,
    threadTopic,
    threadIndex,
    date: sentAt,
  });
  const privateKeyPem = from.source === "gateway"
    ? gatewayKey!.privateKeyPem
    : await sendingDomainPrivateKey(db, input.secret, tenantId, from.sendingDomain.id);
  const raw = await dkimSignMessage(composed, {
    domain: signingDomain.domain,
    selector: signingDomain.selector,
    privateKeyPem,
    signTime: sentAt,
  });

  const queueInTransaction = () => db.$transaction(async (tx) => {
    const queued = await enqueueMessage(tx, {
      tenantId,
      ticketId: ticket.id,
      kind: "REPLY",
      messageId,
      messageIdHeader,
      envelopeFrom,
      from: { address: from.address, name: from.name },
      to,
      cc,
      subject,
      text: input.bodyText,
      html: input.bodyHtml ?? null,
      inReplyTo: parent?.messageIdHeader ?? null,
      references,
      threadTopic,
      threadIndex,
      authorId: input.authorId,
      idempotencyKey: key ?? null,
      attachments: input.attachments.map((a, i) => ({
        filename: stripControl(a.filename),
        contentType: a.contentType,
        content: a.content,
        sha256: attachmentHashes[i]!,
      })),
      raw,
      at: sentAt,
    });
    await tx.ticket.update({ where: { id: ticket.id }, data: { lastActivityAt: sentAt } });
    return queued.jobIds;
  });

  let jobIds: string[];
  try {
    jobIds = await queueInTransaction();
  } catch (err) {
    // Another call with the same key committed first (a double click, a retry racing the original): its message
    // is the answer, and all of this attempt rolled back.
    if (!key || !isUniqueViolation(err)) throw err;
    const winner = await replayed();
    if (winner) return winner;
    throw err;
  }

  return {
    messageId,
    messageIdHeader,
    jobId: jobIds[0]!,
    jobIds,
    from: { address: from.address, name: from.name },
    envelopeFrom,
    recipients,
    deliveryState: "QUEUED",
    replayed: false,
  };
}
