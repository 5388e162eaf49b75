import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { inlineHtmlDocument } from "./message-files";
import {
  idempotencyKey,
  queueReply,
  MAX_ATTACHMENT_BYTES,
  MAX_MARKDOWN_CHARS,
  renderReplyMarkdown,
  type QueuedMessage,
} from "../outbound";

const mailbox = z.object({
  address: z.string().trim().min(1).max(254),
  name: z.string().max(200).nullable().optional(),
});

export const replyToTicketInput = z.object({
  ticketId: z.string().min(1),
  to: z.array(mailbox).min(1, "Add at least one recipient.").max(50),
  cc: z.array(mailbox).max(50).default([]),
  /** Markdown: sent as HTML (rendered and sanitised) and, as written, as the text part. */
  body: z
    .string()
    .max(MAX_MARKDOWN_CHARS)
    .refine((s) => s.trim().length > 0, "Write a reply first."),
  attachments: z
    .array(
      z.object({
        filename: z.string().trim().min(1).max(255),
        contentType: z.string().trim().max(255).default("application/octet-stream"),
        /** Base64 of the file's bytes (the composer reads the file in the browser). */
        contentBase64: z.string().max(Math.ceil((MAX_ATTACHMENT_BYTES * 4) / 3) + 4),
      }),
    )
    .max(20)
    .default([]),
  /**
   * The composer's random key for this draft, the same on every retry of it (R-OUT-3): a reply already stored
   * with it is answered again (`replayed`) instead of being queued twice.
   */
  idempotencyKey: idempotencyKey.optional(),
});
export type ReplyToTicketInput = z.input<typeof replyToTicketInput>;

const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

/**
 * A technician's reply from the composer (R-TKT-2): the Markdown goes out rendered as HTML and, as written, as
 * the text part, with the attachments, through the one outbound path (queueReply: From resolution, DKIM, the
 * durable queue). The message is in the thread at once, QUEUED. A merged ticket takes no replies: its survivor does
 * (queueReply refuses it, after answering a retry of a reply stored before the merge).
 * With an idempotency key the call may be retried freely: see queueReply and findReplayedReply.
 */
export async function replyToTicket(
  db: Db,
  params: {
    tenantId: string;
    authorId: string;
    secret: string;
    inboundDomain: string;
    /** The gateway's DKIM key: replies go out from the gateway address while no From is configured (R-UX-1). */
    gatewayDkim?: { domain: string; selector: string; privateKeyPem: string };
  },
  input: ReplyToTicketInput,
): Promise<QueuedMessage> {
  const parsed = replyToTicketInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("BAD_INPUT", issue?.message ?? "Invalid reply.", {
      field: issue?.path.map(String).join(".") || "body",
    });
  }
  const data = parsed.data;
  const ticket = await db.ticket.findFirst({ where: { id: data.ticketId, tenantId: params.tenantId }, select: { id: true } });
  if (!ticket) throw new AppError("NOT_FOUND", "Ticket not found.");
  const attachments = data.attachments.map((a, i) => {
    if (!/^[A-Za-z0-9+/=\s]*$/.test(a.contentBase64)) {
      throw new AppError("BAD_INPUT", `${a.filename} could not be read.`, { field: `attachments.${i}` });
    }
    return {
      filename: a.filename,
      contentType: CONTENT_TYPE.test(a.contentType) ? a.contentType.toLowerCase() : "application/octet-stream",
      content: Buffer.from(a.contentBase64, "base64"),
    };
  });
  const text = data.body.replace(/\r\n?/g, "\n").trimEnd() + "\n";
  return queueReply(db, {
    tenantId: params.tenantId,
    ticketId: data.ticketId,
    authorId: params.authorId,
    to: data.to.map((m) => ({ address: m.address, name: m.name ?? null })),
    cc: data.cc.map((m) => ({ address: m.address, name: m.name ?? null })),
    bodyText: text,
    bodyHtml: renderReplyMarkdown(text) || null,
    attachments,
    secret: params.secret,
    inboundDomain: params.inboundDomain,
    ...(params.gatewayDkim ? { gatewayDkim: params.gatewayDkim } : {}),
    ...(data.idempotencyKey ? { idempotencyKey: data.idempotencyKey } : {}),
  });
}

export const previewReplyInput = z.object({ body: z.string().max(MAX_MARKDOWN_CHARS) });

/**
 * The composer's preview (R-TKT-2): the same renderer and sanitiser as the message that is sent, and the document
 * the thread shows the sent message in.
 */
export function previewReply(input: z.input<typeof previewReplyInput>): { html: string; document: string | null } {
  const html = renderReplyMarkdown(previewReplyInput.parse(input).body);
  return { html, document: html ? inlineHtmlDocument(html) : null };
}
