/**
 * A ticket reply (or auto-acknowledgement) from composer to durable queue (R-OUT-1, R-OUT-2, R-TKT-2, R-IN-9):
 * From resolved by the one rule, Reply-To the ticket's reply address, a signed Message-Id, In-Reply-To the last
 * inbound message and References the thread, envelope sender the message's VERP address, DKIM-signed with the
 * sending domain's key. The message, its raw source, its attachments, the queue job and the "queued" activity
 * row are written in one transaction, so the MTA either sees the whole message or nothing.
 */
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { bounceAddress, replyAddress } from "../mail/addresses";
import { sendingDomainPrivateKey } from "../sending-domains/manage-sending-domains";
import { resolveFromAddress } from "../sending-domains/resolve-from-address";
import { capReferences, composeOutboundMessage, safeAddress, stripControl, type Mailbox } from "./compose-message";
import { dkimSignMessage } from "./dkim-sign";
import { outboundMessageId } from "./message-id";

/** Recipients per message (To + CC); relays commonly refuse more per transaction. */
export const MAX_RECIPIENTS = 50;
/** Total attachment bytes, below the 25 MB most receivers accept once base64 adds a third. */
export const MAX_ATTACHMENT_BYTES = 18 * 1024 * 1024;

const mailbox = z.union([
  z.string().transform((address) => ({ address, name: null as string | null })),
  z.object({ address: z.string(), name: z.string().nullable().optional() }),
]);

export const queueReplyInput = z.object({
  tenantId: z.string().min(1),
  ticketId: z.string().min(1),
  /** The technician replying; null for automatic messages (auto-acknowledgements). */
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
  kind: z.enum(["REPLY", "AUTO_ACK"]).default("REPLY"),
  /** e.g. `Auto-Submitted: auto-replied`, `X-Auto-Response-Suppress: All` for auto-acknowledgements. */
  extraHeaders: z.record(z.string(), z.string()).optional(),
  /** APP_SECRET: reply/bounce tokens, Message-Id MAC and the DKIM key's encryption. */
  secret: z.string().min(1),
  inboundDomain: z.string().min(1),
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
};

/** A fresh message id: lower-case hex, as address tokens and our Message-Id structure require. */
function newMessageId(): string {
  return `m${randomBytes(12).toString("hex")}`;
}

/** Prisma's Bytes fields take a Uint8Array over a plain ArrayBuffer; Buffers may sit on a shared pool. */
function bytes(b: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(b);
}

/** Recipients grouped by domain, in first-seen order. */
function byDomain(recipients: string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const r of recipients) {
    const d = r.slice(r.lastIndexOf("@") + 1);
    groups.set(d, [...(groups.get(d) ?? []), r]);
  }
  return [...groups.values()];
}

function splitRefs(refs: string | null): string[] {
  return refs ? refs.split(/\s+/).filter(Boolean) : [];
}

/**
 * Builds, signs and queues a message on a ticket. NOT_FOUND for another tenant's ticket; BAD_INPUT (with field)
 * for unsafe or too many recipients; PRECONDITION naming the unmet DNS record when the From domain is not verified
 * (R-OUT-2) — nothing is written in any of these cases.
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
  const recipients = [...new Set([...to, ...cc].map((m) => m.address.toLowerCase()))];
  if (recipients.length > MAX_RECIPIENTS) {
    throw new AppError("BAD_INPUT", `At most ${MAX_RECIPIENTS} recipients per message.`, { field: "cc" });
  }
  const attachmentBytes = input.attachments.reduce((n, a) => n + a.content.length, 0);
  if (attachmentBytes > MAX_ATTACHMENT_BYTES) {
    throw new AppError("BAD_INPUT", `Attachments may total at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB.`, { field: "attachments" });
  }

  const ticket = await db.ticket.findFirst({
    where: { id: input.ticketId, tenantId },
    select: { id: true, subject: true, clientId: true, tenant: { select: { slug: true } } },
  });
  if (!ticket) throw new AppError("NOT_FOUND", "Ticket not found.");
  const slug = ticket.tenant.slug;

  const from = await resolveFromAddress(db, { tenantId, ...(input.authorId ? { userId: input.authorId } : {}), clientId: ticket.clientId });

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
  const messageId = newMessageId();
  const messageIdHeader = outboundMessageId(input.secret, { tenantSlug: slug, ticketId: ticket.id, messageId, domain: from.sendingDomain.domain });
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
    ...(input.extraHeaders ? { extraHeaders: input.extraHeaders } : {}),
    date: sentAt,
  });
  const privateKeyPem = await sendingDomainPrivateKey(db, input.secret, tenantId, from.sendingDomain.id);
  const raw = await dkimSignMessage(composed, {
    domain: from.sendingDomain.domain,
    selector: from.sendingDomain.selector,
    privateKeyPem,
    signTime: sentAt,
  });

  const json = (list: Mailbox[]) => JSON.stringify(list.map((m) => ({ address: m.address, name: m.name ?? null })));
  const jobIds = await db.$transaction(async (tx) => {
    await tx.message.create({
      data: {
        id: messageId,
        tenantId,
        ticketId: ticket.id,
        direction: "OUTBOUND",
        kind: input.kind,
        messageIdHeader,
        inReplyTo: parent?.messageIdHeader ?? null,
        references: references.join(" ") || null,
        threadTopic,
        threadIndex,
        fromAddress: from.address,
        fromName: from.name || null,
        toJson: json(to),
        ccJson: json(cc),
        subject,
        sentAt,
        textBody: input.bodyText,
        newText: input.bodyText,
        htmlBody: input.bodyHtml ?? null,
        deliveryState: "QUEUED",
        authorId: input.authorId,
        envelopeFrom,
        source: { create: { raw: bytes(raw) } },
      },
    });
    if (input.attachments.length) {
      await tx.attachment.createMany({
        data: input.attachments.map((a) => ({
          tenantId,
          messageId,
          filename: stripControl(a.filename),
          contentType: a.contentType,
          size: a.content.length,
          sha256: createHash("sha256").update(a.content).digest("hex"),
          content: bytes(a.content),
        })),
      });
    }
    // One job per recipient domain: each is one SMTP transaction to that domain's MX, retried on its own.
    const jobIds: string[] = [];
    for (const group of byDomain(recipients)) {
      const job = await tx.outboundJob.create({
        data: { tenantId, messageId, envelopeFrom, recipients: JSON.stringify(group), raw: bytes(raw), state: "QUEUED", nextAttemptAt: sentAt },
        select: { id: true },
      });
      jobIds.push(job.id);
    }
    await tx.activityLog.create({
      data: {
        tenantId,
        direction: "OUTBOUND",
        outcome: "QUEUED",
        envelopeFrom,
        envelopeTo: recipients.join(", "),
        fromAddress: from.address,
        toAddress: recipients.join(", "),
        subject,
        messageIdHeader,
        ticketId: ticket.id,
        messageId,
      },
    });
    await tx.ticket.update({ where: { id: ticket.id }, data: { lastActivityAt: sentAt } });
    return jobIds;
  });

  return { messageId, messageIdHeader, jobId: jobIds[0]!, jobIds, from: { address: from.address, name: from.name }, envelopeFrom, recipients };
}
