/**
 * parse-message.ts's fallback (R-IN-11): when mailparser gives up on a message (too many parts, a huge header
 * block, broken MIME), the header block alone is parsed (bounded) and the body is shown as plain text, so every
 * input still becomes a ticket message. Each truncation is said in `problems`.
 */
import { simpleParser } from "mailparser";
import type { ParsedMail } from "mailparser";

export const FALLBACK_HEAD_LIMIT = 256 * 1024;
const FALLBACK_BODY_LIMIT = 1024 * 1024;

/** The header block of a raw message (up to the first empty line), bounded for the fallback path. */
export function splitRaw(raw: Buffer): { head: Buffer; body: Buffer } {
  const crlf = raw.indexOf("\r\n\r\n");
  const lf = raw.indexOf("\n\n");
  let end = -1;
  let sep = 0;
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) [end, sep] = [crlf, 4];
  else if (lf >= 0) [end, sep] = [lf, 2];
  if (end < 0) return { head: raw, body: Buffer.alloc(0) };
  return { head: raw.subarray(0, end), body: raw.subarray(end + sep) };
}

export function isValidUtf8(buf: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

/** The message when mailparser gave up on it: its header block, and its body shown as one plain-text part. */
export async function parseFallback(raw: Buffer, problems: string[]): Promise<ParsedMail> {
  const { head, body } = splitRaw(raw);
  let h = head.subarray(0, FALLBACK_HEAD_LIMIT);
  if (head.length > FALLBACK_HEAD_LIMIT) {
    const lastLf = h.lastIndexOf("\n");
    if (lastLf > 0) h = h.subarray(0, lastLf);
    problems.push(`header block truncated to ${FALLBACK_HEAD_LIMIT} bytes`);
  }
  // Keep the headers, drop the MIME structure: the body becomes one plain-text part, so nothing in it is
  // interpreted again.
  const headText = h
    .toString("latin1")
    .split(/\r?\n(?![ \t])/)
    .filter((l) => !/^(content-type|content-transfer-encoding|mime-version)\s*:/i.test(l))
    .join("\r\n");
  const synthetic = Buffer.concat([
    Buffer.from(headText, "latin1"),
    Buffer.from("\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"),
  ]);
  let mail: ParsedMail;
  try {
    mail = await simpleParser(synthetic, {
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipImageLinks: true,
      maxChildNodes: 10,
    });
  } catch (err) {
    problems.push(`headers unreadable: ${(err as Error).message}`);
    mail = { attachments: [], headers: new Map(), headerLines: [], html: false } as unknown as ParsedMail;
  }
  const shown = body.subarray(0, FALLBACK_BODY_LIMIT);
  if (body.length > FALLBACK_BODY_LIMIT) problems.push(`body shown truncated to ${FALLBACK_BODY_LIMIT} bytes`);
  mail.text = isValidUtf8(shown) ? shown.toString("utf8") : shown.toString("latin1");
  mail.html = false;
  mail.attachments = [];
  return mail;
}
