/**
 * What the ticket page's route handlers serve (R-TKT-1): attachments, raw sources and the sandboxed HTML view
 * of a message, each found only within the caller's tenant (another tenant's id is simply "not found").
 */
import { ATTACHMENT_CHUNKS, readChunks, SOURCE_CHUNKS } from "../db/chunked-bytes";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { renderEmailHtml } from "../mail/sanitize-html";

/** Inline images larger than this are not embedded in the viewer (they stay downloadable). */
const MAX_INLINE_IMAGE_BYTES = 5 * 1024 * 1024;
const INLINE_IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp"]);
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

export type FileDownload = { filename: string; contentType: string; content: Uint8Array };

/** The stored type when it is a well-formed media type (no parameters, no line breaks), else octet-stream. */
export function safeContentType(value: string): string {
  const type = value.split(";")[0]?.trim().toLowerCase() ?? "";
  return CONTENT_TYPE.test(type) ? type : "application/octet-stream";
}

/** `Content-Disposition: attachment` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987). */
export function attachmentDisposition(filename: string): string {
  const clean = filename.replace(/[\p{Cc}\\/]+/gu, "_").trim() || "attachment";
  const ascii = clean.replace(/[^\x20-\x7e]/g, "_").replace(/["%;]/g, "_");
  const encoded = encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export async function getAttachmentFile(db: Db, tenantId: string, attachmentId: string): Promise<FileDownload> {
  const a = await db.attachment.findFirst({
    where: { id: attachmentId, tenantId },
    select: { filename: true, contentType: true, content: true, size: true },
  });
  if (!a) throw new AppError("NOT_FOUND", "Attachment not found.");
  return { filename: a.filename, contentType: safeContentType(a.contentType), content: await attachmentContent(db, attachmentId, a) };
}

/** An attachment's bytes: its own column, or its chunks when it was stored in pieces (a large attachment). */
async function attachmentContent(db: Db, id: string, a: { content: Uint8Array; size: number }): Promise<Uint8Array> {
  return a.content.byteLength === 0 && a.size > 0 ? readChunks(db, ATTACHMENT_CHUNKS, id) : a.content;
}

/** The message exactly as received or sent, as an .eml download. */
export async function getMessageSource(db: Db, tenantId: string, messageId: string): Promise<FileDownload> {
  const m = await db.message.findFirst({
    where: { id: messageId, tenantId },
    select: { subject: true, ticket: { select: { number: true } }, source: { select: { raw: true } } },
  });
  if (!m?.source) throw new AppError("NOT_FOUND", "This message's source is not stored.");
  return {
    filename: `ticket-${m.ticket.number}-${messageId}.eml`,
    contentType: "message/rfc822",
    content: m.source.raw.byteLength ? m.source.raw : await readChunks(db, SOURCE_CHUNKS, messageId),
  };
}

const VIEWER_STYLE =
  "html{color-scheme:light}body{margin:0;padding:16px;font:14px/1.5 -apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;" +
  "color:#0f172a;background:#fff;overflow-wrap:anywhere}img{max-width:100%;height:auto}img[data-remote-src]{display:inline-block;min-width:16px;" +
  "min-height:16px;background:#f1f5f9;outline:1px dashed #cbd5e1}table{max-width:100%}blockquote{margin:0 0 0 8px;padding-left:12px;" +
  "border-left:3px solid #cbd5e1;color:#475569}a{color:#4f46e5}pre{white-space:pre-wrap}";

/**
 * A full HTML document for the sandboxed viewer: the stored HTML passed through the one sanitiser again, with
 * `cid:` images embedded from the message's own parts and remote images only when `loadRemote`.
 */
export async function getMessageHtmlDocument(
  db: Db,
  tenantId: string,
  messageId: string,
  options: { loadRemote: boolean },
): Promise<string> {
  const m = await db.message.findFirst({
    where: { id: messageId, tenantId },
    select: {
      htmlBody: true,
      attachments: {
        where: { contentId: { not: null } },
        select: { id: true, contentId: true, contentType: true, size: true, content: true },
      },
    },
  });
  if (!m) throw new AppError("NOT_FOUND", "Message not found.");
  const images = new Map<string, string>();
  for (const a of m.attachments) {
    if (!a.contentId || !INLINE_IMAGE_TYPES.has(safeContentType(a.contentType)) || a.size > MAX_INLINE_IMAGE_BYTES) continue;
    const content = await attachmentContent(db, a.id, a);
    images.set(a.contentId.toLowerCase(), `data:${safeContentType(a.contentType)};base64,${Buffer.from(content).toString("base64")}`);
  }
  const body = renderEmailHtml(m.htmlBody ?? "", {
    loadRemote: options.loadRemote,
    inlineImage: (cid) => images.get(cid.toLowerCase()) ?? null,
  });
  return viewerDocument(body);
}

function viewerDocument(body: string, meta = "", style = ""): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">${meta}<style>${VIEWER_STYLE}${style}</style></head><body>${body}</body></html>`;
}

/** Inline frames sit in the page's own padding, and the last paragraph's margin would only add a blank line. */
const INLINE_STYLE = "body{padding:0}body>div>:last-child{margin-bottom:0 !important}";

/**
 * HTML we wrote ourselves (a reply rendered from the composer's Markdown, or its preview) as a document for an
 * inline `srcdoc` frame that sizes to its content: the one sanitiser again, no remote images, and the viewer's
 * policy in a meta tag (a srcdoc document has no response headers; the frame's sandbox attribute keeps scripts
 * off). Empty HTML gives null.
 */
export function inlineHtmlDocument(html: string): string | null {
  const body = renderEmailHtml(html, { loadRemote: false, inlineImage: () => null });
  if (!body.trim()) return null;
  const csp = messageHtmlCsp(false)
    .split("; ")
    .filter((d) => !/^(?:sandbox|frame-ancestors)\b/.test(d))
    .join("; ");
  return viewerDocument(body, `<meta http-equiv="Content-Security-Policy" content="${csp}">`, INLINE_STYLE);
}

/**
 * The viewer's Content-Security-Policy: nothing may load or run but inline styles and embedded images, and
 * remote images only after the reader's click; the CSP sandbox also holds when the URL is opened on its own.
 */
export function messageHtmlCsp(loadRemote: boolean): string {
  return [
    "default-src 'none'",
    `img-src data:${loadRemote ? " https: http:" : ""}`,
    "style-src 'unsafe-inline'",
    "font-src data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
    "sandbox allow-popups allow-popups-to-escape-sandbox",
  ].join("; ");
}
