/**
 * Raw RFC 5322 message → everything the inbound pipeline stores on a ticket message (R-IN-7), for any input
 * (R-IN-11): malformed MIME, unknown charsets, missing or repeated From, 8-bit headers, truncation, 10,000-part
 * trees or megabyte headers all produce a result plus `problems`, never an exception and never a hang.
 *
 * mailparser does the MIME and charset work, driven as simpleParser drives it (mime-stream.ts; cid: links are
 * kept as they are). iconv-lite + encoding-japanese cover ISO-8859-*, Windows-125x, KOI8-R, GB2312/GBK/GB18030,
 * ISO-2022-JP, Shift_JIS, EUC-*, Big5, UTF-7 …. Its own limits
 * bound the work (`maxChildNodes`, `maxHeadSize`, HTML nesting depth, `maxHtmlLengthToParse`); when it gives up
 * we fall back to the header block alone and the body shown as plain text, and say so in `problems`.
 */
import { createHash } from "node:crypto";
import type { AddressObject, EmailAddress, ParsedMail } from "mailparser";
import addressparser from "nodemailer/lib/addressparser/index.js";
import { convert as convertHtmlToText } from "html-to-text";
import { parseMime } from "./mime-stream.ts";
import { sanitizeEmailHtml } from "./sanitize-html.ts";
import { splitReply } from "./reply-text.ts";
import { FALLBACK_HEAD_LIMIT, isValidUtf8, parseFallback, splitRaw } from "./parse-fallback.ts";

export type MailAddress = { address: string; name: string };

export type ParsedAttachment = {
  filename: string;
  contentType: string;
  size: number;
  /** Content-ID without angle brackets (what `cid:` URLs in the HTML name), or null. */
  contentId: string | null;
  /** Shown in the body (disposition inline, or a related part referenced by Content-ID) rather than listed. */
  inline: boolean;
  content: Buffer;
  sha256: string;
};

export type ParsedMessage = {
  subject: string;
  /** The first From address; null when there is none that parses. */
  from: MailAddress | null;
  /** How many From addresses the message carries in total (0, 1, or more: R-IN-11 "missing or multiple From"). */
  fromCount: number;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  /** Without angle brackets. Generated from a hash of the raw bytes when missing (stable across redelivery). */
  messageId: string;
  messageIdGenerated: boolean;
  inReplyTo: string | null;
  /** References, in order, without angle brackets (bounded: the last 200). */
  references: string[];
  date: Date | null;
  text: string;
  /** True when the message has no text part and `text` was derived from its HTML (B2). */
  textFromHtml: boolean;
  /** Sanitised HTML (see sanitize-html.ts), or null when the message has no HTML part. */
  html: string | null;
  /** The author's new text, with quoted history and signature split off (R-IN-7). */
  newText: string;
  quotedText: string;
  signature: string;
  attachments: ParsedAttachment[];
  /** Top-level header fields in original order, names as written, values unfolded but not decoded. */
  headers: [string, string][];
  threadTopic: string | null;
  threadIndex: string | null;
  deliveredTo: string[];
  xOriginalTo: string[];
  autoSubmitted: string | null;
  /** What could not be read cleanly; empty for a well-formed message. */
  problems: string[];
};

const MAX_REFERENCES = 200;
const MAX_HTML_TO_TEXT = 4 * 1024 * 1024;
/** Deeper HTML is flattened by html-to-text beyond this depth (mailparser uses the same bound). */
const MAX_HTML_DEPTH = 1000;

function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** `<a@b>` → `a@b`; the first bracketed id in a header value, or the bare value when there are no brackets. */
function bareId(value: string | undefined | null): string | null {
  if (!value) return null;
  const m = /<([^<>\s]{1,998})>/.exec(value);
  const id = (m ? m[1]! : (value.trim().split(/\s+/)[0] ?? "")).trim();
  return id || null;
}

function allIds(value: string | string[] | undefined): string[] {
  if (!value) return [];
  const joined = Array.isArray(value) ? value.join(" ") : value;
  const ids: string[] = [];
  for (const m of joined.matchAll(/<([^<>\s]{1,998})>/g)) ids.push(m[1]!);
  if (!ids.length) ids.push(...joined.split(/[\s,]+/).filter((s) => s.includes("@")));
  return ids.slice(-MAX_REFERENCES);
}

/**
 * `utf7`: the raw header held `=?utf-7?…?=` words, which mailparser passes through as UTF-7 text
 * ("J+APw-rgen"); decode the names then.
 */
function flatten(value: AddressObject | AddressObject[] | undefined, utf7 = false): MailAddress[] {
  if (!value) return [];
  const out: MailAddress[] = [];
  const visit = (list: EmailAddress[]) => {
    for (const a of list) {
      if (a.group) visit(a.group);
      else if (a.address) {
        const name = (a.name ?? "").trim();
        out.push({ address: a.address.trim(), name: utf7 ? decodeUtf7(decodeUtf7Words(name)) : name });
      }
    }
  };
  for (const obj of Array.isArray(value) ? value : [value]) visit(obj.value ?? []);
  return out;
}

/** Header lines as [name, value], names as written, folding removed. */
function headerPairs(lines: ParsedMail["headerLines"]): [string, string][] {
  return lines.map(({ key, line }) => {
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trim() : key;
    const value = (colon > 0 ? line.slice(colon + 1) : "").replace(/\r?\n[ \t]+/g, " ").trim();
    return [name, value];
  });
}

function headerValues(headers: [string, string][], name: string): string[] {
  return headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
}

function bareAddresses(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const a of addressparser(v, { flatten: true })) if (a.address) out.push(a.address.toLowerCase());
  }
  return out;
}

/**
 * The text version of an HTML-only message (B2): html-to-text, bounded like mailparser's own conversion (input
 * length, nesting depth), but with tables laid out as columns so cells never run together ("LT-1001 14", not
 * "LT-100114"), and images left out (their alt text is noise in a ticket's text view).
 */
function htmlAsText(html: string, problems: string[]): string {
  try {
    return convertHtmlToText(html, {
      limits: { maxInputLength: MAX_HTML_TO_TEXT, maxDepth: MAX_HTML_DEPTH },
      selectors: [
        { selector: "table", format: "dataTable" },
        { selector: "img", format: "skip" },
      ],
    });
  } catch (err) {
    problems.push(`HTML not converted to text: ${(err as Error).message}`);
    return "";
  }
}

/** RFC 2152 UTF-7: `+` base64(UTF-16BE) `-`. Outlook 2000 still sends it in encoded words. */
function decodeUtf7(text: string): string {
  return text.replace(/\+([A-Za-z0-9+/]*)-?/g, (_all, b64: string) => {
    if (!b64) return "+";
    const bytes = Buffer.from(b64, "base64");
    let out = "";
    for (let i = 0; i + 1 < bytes.length; i += 2) out += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
    return out;
  });
}

/** mailparser leaves `=?utf-7?…?=` words alone (its decoder has no UTF-7); decode those ourselves. */
function decodeUtf7Words(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?utf-7\?([bq])\?([^?]*)\?=/gi, (_all, enc: string, data: string) => {
      const ascii =
        enc.toLowerCase() === "b"
          ? Buffer.from(data, "base64").toString("latin1")
          : data
              .replace(/_/g, " ")
              .replace(/=([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
      return decodeUtf7(ascii);
    });
}

/**
 * Parses a raw message. Never rejects: unreadable parts become `problems`. The raw bytes are not kept here;
 * the caller stores them byte-for-byte.
 */
export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  try {
    return withoutNul(await parseUnsafe(raw));
  } catch (err) {
    // Last resort: a bug in any step below must still give the pipeline a message to store or drop.
    const input = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw ?? ""), "utf8");
    return {
      subject: "",
      from: null,
      fromCount: 0,
      to: [],
      cc: [],
      replyTo: [],
      messageId: `generated-${sha256(input).slice(0, 32)}@opsmerge.invalid`,
      messageIdGenerated: true,
      inReplyTo: null,
      references: [],
      date: null,
      text: "",
      textFromHtml: false,
      html: null,
      newText: "",
      quotedText: "",
      signature: "",
      attachments: [],
      headers: [],
      threadTopic: null,
      threadIndex: null,
      deliveredTo: [],
      xOriginalTo: [],
      autoSubmitted: null,
      problems: [`message could not be parsed: ${(err as Error).message}`],
    };
  }
}

/**
 * NUL cannot be stored in a PostgreSQL text column (the insert fails, the sender would get 451 and retry the same
 * message for days), and means nothing in text: every NUL in a parsed string becomes U+FFFD. The raw source
 * (bytes) and attachment contents are kept as they are.
 */
function withoutNul<T>(value: T): T {
  if (typeof value === "string") return (value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => withoutNul(v)) as T;
  if (value && typeof value === "object" && !Buffer.isBuffer(value) && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = withoutNul(v);
    return out as T;
  }
  return value;
}

async function parseUnsafe(raw: Buffer): Promise<ParsedMessage> {
  const problems: string[] = [];
  let input = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw ?? ""), "utf8");
  const probe = input.subarray(0, 64 * 1024);
  if (!probe.includes(0x0a) && probe.includes(0x0d)) {
    // CR-only line endings: nothing would parse. The stored raw source stays as received.
    input = Buffer.from(input.toString("latin1").replace(/\r/g, "\r\n"), "latin1");
    problems.push("CR-only line endings");
  }

  let mail: ParsedMail;
  try {
    // simpleParser's work, with bounded memory for large messages (mime-stream.ts).
    mail = await parseMime(input, {
      checksumAlgo: "sha256",
      skipImageLinks: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      // The text of an HTML-only message is derived below (htmlAsText), with tables kept apart (B2).
      skipHtmlToText: true,
      maxHtmlLengthToParse: MAX_HTML_TO_TEXT,
      maxChildNodes: 1000,
      maxHeadSize: 1024 * 1024,
    });
  } catch (err) {
    problems.push(`MIME structure unreadable (${(err as Error).message}); body kept as plain text`);
    mail = await parseFallback(input, problems);
  }
  if (mail.textConversionError) problems.push(`HTML not converted to text: ${mail.textConversionError.message}`);

  const headers = headerPairs(mail.headerLines ?? []);
  const { head } = splitRaw(input);
  if (!isValidUtf8(head.subarray(0, FALLBACK_HEAD_LIMIT)))
    problems.push("header contains 8-bit bytes that are not UTF-8");

  const fromLines = headerValues(headers, "from");
  const fromAll = bareAddresses(fromLines);
  const utf7 = (name: string) => headerValues(headers, name).some((v) => /=\?utf-7\?/i.test(v));
  const fromParsed = flatten(mail.from, utf7("from"));
  const from = fromParsed[0] ?? (fromAll[0] ? { address: fromAll[0], name: "" } : null);
  const fromCount = Math.max(fromAll.length, fromParsed.length);
  if (fromCount === 0) problems.push("no From address");
  if (fromCount > 1) problems.push(`${fromCount} From addresses`);

  let messageId = bareId(mail.messageId);
  const messageIdGenerated = !messageId;
  if (!messageId) {
    messageId = `generated-${sha256(input).slice(0, 32)}@opsmerge.invalid`;
    problems.push("no Message-Id; generated one from the content");
  }

  let date: Date | null = mail.date ?? null;
  if (date && Number.isNaN(date.getTime())) date = null;
  if (!date && headerValues(headers, "date").length) problems.push("unreadable Date header");

  let text = typeof mail.text === "string" ? mail.text : "";
  const textFromHtml = !text.trim() && typeof mail.html === "string" && mail.html.trim() !== "";
  if (textFromHtml && typeof mail.html === "string") text = htmlAsText(mail.html, problems);
  const html = typeof mail.html === "string" ? sanitizeEmailHtml(mail.html) : null;
  const reply = splitReply(text);

  const attachments: ParsedAttachment[] = [];
  for (const [i, a] of (mail.attachments ?? []).entries()) {
    const content = Buffer.isBuffer(a.content) ? a.content : Buffer.alloc(0);
    const contentId = bareId(a.contentId ?? a.cid ?? null);
    const disposition = (a.contentDisposition ?? "").toLowerCase();
    attachments.push({
      filename: a.filename || (a.contentType === "message/rfc822" ? `message-${i + 1}.eml` : `attachment-${i + 1}`),
      contentType: (a.contentType || "application/octet-stream").toLowerCase(),
      size: content.length,
      contentId,
      inline: disposition === "inline" || (disposition !== "attachment" && Boolean(contentId) && Boolean(a.related)),
      content,
      sha256: a.checksum && a.checksum.length === 64 ? a.checksum : sha256(content),
    });
  }

  const one = (name: string) => headerValues(headers, name)[0] ?? null;
  let subject = typeof mail.subject === "string" ? mail.subject : "";
  const rawSubject = one("subject");
  if (rawSubject && /=\?utf-7\?/i.test(rawSubject)) subject = decodeUtf7Words(rawSubject);
  const threadTopic = mail.headers?.get?.("thread-topic");
  const autoSubmitted = one("auto-submitted");

  return {
    subject,
    from,
    fromCount,
    to: flatten(mail.to, utf7("to")),
    cc: flatten(mail.cc, utf7("cc")),
    replyTo: flatten(mail.replyTo, utf7("reply-to")),
    messageId,
    messageIdGenerated,
    inReplyTo: bareId(mail.inReplyTo),
    references: allIds(mail.references),
    date,
    text,
    textFromHtml,
    html,
    newText: reply.newText,
    quotedText: reply.quoted,
    signature: reply.signature,
    attachments,
    headers,
    threadTopic: typeof threadTopic === "string" ? threadTopic : one("thread-topic"),
    threadIndex: one("thread-index"),
    deliveredTo: bareAddresses(headerValues(headers, "delivered-to")),
    xOriginalTo: bareAddresses(headerValues(headers, "x-original-to")),
    autoSubmitted,
    problems,
  };
}
