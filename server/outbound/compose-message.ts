/**
 * Builds the RFC 5322 bytes of an outbound message with nodemailer's MailComposer (R-OUT-1), with the inputs
 * made safe first (R-OUT-5): addresses are validated and refused when they carry CR/LF or any control character;
 * subject, display names and Thread-Topic have control characters replaced by a space, so no input can end a
 * header line and start another. MailComposer then encodes non-ASCII text as encoded-words.
 */
import MailComposer from "nodemailer/lib/mail-composer";
import { encodeWord } from "nodemailer/lib/mime-funcs";
import { z } from "zod";
import { AppError } from "../errors";
import { withAsciiDomain } from "../domain-names";

/** Relays reject very long References headers: keep the thread root and the latest entries. */
export const REFERENCES_KEEP_LAST = 20;

const CONTROL_RE = /\p{Cc}/u;
const CONTROL_RUN_RE = /[\p{Cc}]+/gu;
const MSG_ID_RE = /^[^\s<>@\p{Cc}]+@[^\s<>@\p{Cc}]+$/u;
const HEADER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,75}$/;
/** Headers the composer writes itself; extraHeaders may not set or duplicate them. */
const RESERVED_HEADERS = new Set([
  "from", "to", "cc", "bcc", "sender", "reply-to", "subject", "date", "message-id", "in-reply-to", "references",
  "mime-version", "content-type", "content-transfer-encoding", "content-disposition", "content-id", "return-path",
  "received", "dkim-signature", "thread-topic", "thread-index",
]);

/** Replaces every run of control characters (CR, LF, TAB, NUL, …) by one space. */
export function stripControl(value: string): string {
  return value.replace(CONTROL_RUN_RE, " ");
}

/**
 * Header text made safe: control characters become spaces, and text that itself looks like an RFC 2047
 * encoded-word is encoded, so a subject typed as "=?utf-8?Q?…=0D=0A…?=" is shown literally instead of being
 * decoded by the recipient into something else.
 */
export function headerText(value: string): string {
  const clean = stripControl(value).trim();
  return clean.includes("=?") ? encodeWord(clean, "Q", 52) : clean;
}

/** An email address with its domain in ASCII form, or BAD_INPUT naming the field. */
export function safeAddress(value: string, field: string): string {
  const s = value.trim();
  if (CONTROL_RE.test(s)) throw new AppError("BAD_INPUT", `${field}: an address must not contain line breaks.`, { field });
  const ascii = withAsciiDomain(s);
  if (!z.email().safeParse(ascii).success) {
    throw new AppError("BAD_INPUT", `${field}: "${stripControl(s).slice(0, 100)}" is not a valid email address.`, { field });
  }
  return ascii;
}

export type Mailbox = { address: string; name?: string | null };

export type ComposeAttachment = { filename: string; contentType: string; content: Buffer; contentId?: string; inline?: boolean };

export type ComposeInput = {
  from: Mailbox;
  to: Mailbox[];
  cc?: Mailbox[];
  replyTo?: Mailbox;
  subject: string;
  text: string;
  html?: string | null;
  attachments?: ComposeAttachment[];
  /** Without angle brackets. */
  messageId: string;
  inReplyTo?: string | null;
  /** Oldest first, without angle brackets; capped to root + last 20. */
  references?: string[];
  threadTopic?: string | null;
  threadIndex?: string | null;
  /** e.g. Auto-Submitted, X-Auto-Response-Suppress for auto-acknowledgements (R-IN-9). */
  extraHeaders?: Record<string, string>;
  date?: Date;
};

/** Root + the last `keep` Message-Ids, de-duplicated, invalid ones dropped (they come from other people's mail). */
export function capReferences(ids: string[], keep = REFERENCES_KEEP_LAST): string[] {
  const seen = new Set<string>();
  const clean: string[] = [];
  for (const raw of ids) {
    const id = raw.trim().replace(/^<|>$/g, "");
    if (!MSG_ID_RE.test(id) || id.length > 250 || seen.has(id)) continue;
    seen.add(id);
    clean.push(id);
  }
  return clean.length > keep + 1 ? [clean[0]!, ...clean.slice(-keep)] : clean;
}

function mailbox(m: Mailbox, field: string): { address: string; name: string } {
  return { address: safeAddress(m.address, field), name: headerText(m.name ?? "") };
}

/** The composed message, ready for DKIM signing. BAD_INPUT on an unsafe address, Message-Id or extra header. */
export async function composeOutboundMessage(input: ComposeInput): Promise<Buffer> {
  if (!MSG_ID_RE.test(input.messageId)) throw new AppError("BAD_INPUT", "messageId is not a valid Message-Id.", { field: "messageId" });
  if (input.to.length === 0) throw new AppError("BAD_INPUT", "At least one recipient is required.", { field: "to" });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.extraHeaders ?? {})) {
    if (!HEADER_NAME_RE.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new AppError("BAD_INPUT", `Header ${JSON.stringify(name)} cannot be set here.`, { field: "extraHeaders" });
    }
    if (CONTROL_RE.test(value)) throw new AppError("BAD_INPUT", `Header ${name} must not contain line breaks.`, { field: "extraHeaders" });
    headers[name] = value;
  }
  const topic = input.threadTopic ? headerText(input.threadTopic) : "";
  if (topic) headers["Thread-Topic"] = topic;
  // Thread-Index is base64 of Outlook's binary conversation index: anything else is dropped, not sent.
  if (input.threadIndex && /^[A-Za-z0-9+/]+={0,2}$/.test(input.threadIndex) && input.threadIndex.length <= 500) {
    headers["Thread-Index"] = input.threadIndex;
  }
  const inReplyTo = input.inReplyTo?.replace(/^<|>$/g, "");
  const refs = capReferences(input.references ?? []);

  const composer = new MailComposer({
    from: mailbox(input.from, "from"),
    to: input.to.map((m) => mailbox(m, "to")),
    ...(input.cc?.length ? { cc: input.cc.map((m) => mailbox(m, "cc")) } : {}),
    ...(input.replyTo ? { replyTo: mailbox(input.replyTo, "replyTo") } : {}),
    // MailComposer leaves out an empty Subject; replies always carry one.
    subject: headerText(input.subject) || "(no subject)",
    text: input.text,
    ...(input.html ? { html: input.html } : {}),
    messageId: `<${input.messageId}>`,
    ...(inReplyTo && MSG_ID_RE.test(inReplyTo) ? { inReplyTo: `<${inReplyTo}>` } : {}),
    ...(refs.length ? { references: refs.map((r) => `<${r}>`) } : {}),
    headers,
    date: input.date ?? new Date(),
    attachments: (input.attachments ?? []).map((a) => ({
      filename: stripControl(a.filename),
      contentType: a.contentType,
      content: a.content,
      ...(a.contentId ? { cid: a.contentId } : {}),
      ...(a.inline ? { contentDisposition: "inline" as const } : {}),
    })),
    // Content is always given as bytes: never let an input make the composer read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
