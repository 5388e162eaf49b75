/**
 * mailparser's simpleParser, with the message fed in slices and attachments collected without a second copy
 * (issue 19 item 13). simpleParser keeps an attachment's decoded chunks and joins them at its end: a 15 MB
 * attachment is then in memory twice, and the chunks, having lived through the whole decode, stay as garbage until
 * V8's next full collection. Here an attachment that passes LARGE_PART bytes is copied into one buffer sized from
 * the message less what earlier attachments took (content is never larger than its encoded part; base64 decodes
 * to 3/4 of it), so its chunks die young. Pages of that buffer never written are never resident; when much of it stays unused it
 * is trimmed by one copy. Everything else is simpleParser's sequence (headers, text, attachments, header fields).
 */
import { MailParser, type MailParserOptions, type ParsedMail } from "mailparser";
import { bufferSlices } from "./buffer-slices";

const LARGE_PART = 256 * 1024;

/** One attachment's bytes: chunks while small, one buffer sized from `bound()` once large. */
class PartBytes {
  #chunks: Buffer[] = [];
  #buffer: Buffer | null = null;
  #length = 0;

  constructor(private readonly bound: () => number) {}

  add(chunk: Buffer): void {
    if (!this.#buffer && this.#length + chunk.length <= LARGE_PART) {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
      return;
    }
    if (!this.#buffer) {
      this.#buffer = Buffer.allocUnsafe(Math.max(this.bound(), this.#length + chunk.length));
      let at = 0;
      for (const c of this.#chunks) at += c.copy(this.#buffer, at);
      this.#chunks = [];
    }
    if (this.#length + chunk.length > this.#buffer.length) {
      // The estimate was short (it should not be): grow by a copy.
      const grown = Buffer.allocUnsafe(Math.ceil((this.#length + chunk.length) * 1.25));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    this.#length += chunk.copy(this.#buffer, this.#length);
  }

  done(): Buffer {
    if (!this.#buffer) return this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#length);
    const unused = this.#buffer.length - this.#length;
    // Untouched pages cost no memory, but the whole buffer counts as V8 external memory and would stay allocated.
    if (unused > Math.max(1024 * 1024, this.#length / 8)) return Buffer.from(this.#buffer.subarray(0, this.#length));
    return this.#buffer.subarray(0, this.#length);
  }
}

type Mail = Record<string, unknown> & { attachments: unknown[]; headers?: ParsedMail["headers"] };

export function parseMime(input: Buffer, options: MailParserOptions): Promise<ParsedMail> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err: Error | null, mail?: ParsedMail) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve(mail!);
    };
    // Bytes of the message that earlier attachments' content certainly took (base64: 4 for every 3 decoded).
    let taken = 0;
    const bound = (base64: boolean) => {
      const left = Math.max(0, input.length - taken);
      return base64 ? Math.ceil((left * 3) / 4) : left;
    };
    const mail: Mail = { attachments: [] };
    const parser = new MailParser(options);
    parser.on("error", (err: Error) => settle(err));
    parser.on("headers", (headers) => {
      mail.headers = headers;
      mail.headerLines = parser.headerLines;
    });
    let reading = false;
    const reader = (): void => {
      reading = true;
      const data = parser.read();
      if (data === null) {
        reading = false;
        return;
      }
      if (data.type === "text") {
        for (const key of ["text", "html", "textAsHtml", "textConversionError"] as const) if (key in data) mail[key] = data[key];
        return reader();
      }
      const attachment = data;
      const encoding = attachment.headers?.get?.("content-transfer-encoding");
      const base64 = typeof encoding === "string" && encoding.toLowerCase().trim() === "base64";
      const bytes = new PartBytes(() => bound(base64));
      const stream = attachment.content;
      mail.attachments.push(attachment);
      stream.on("readable", () => {
        let chunk: Buffer | null;
        while ((chunk = stream.read() as Buffer | null) !== null) bytes.add(chunk);
      });
      stream.on("end", () => {
        // As simpleParser leaves it: the content a Buffer, release() called (which sets it to null).
        const content = bytes.done();
        taken += base64 ? Math.ceil((content.length * 4) / 3) : content.length;
        (attachment as unknown as { content: Buffer }).content = content;
        attachment.release?.();
        reader();
      });
    };
    parser.on("readable", () => {
      if (!reading) reader();
    });
    parser.on("end", () => {
      for (const key of ["subject", "references", "date", "to", "from", "cc", "bcc", "message-id", "in-reply-to", "reply-to"]) {
        if (mail.headers && mail.headers.has(key)) mail[key.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())] = mail.headers.get(key);
      }
      settle(null, mail as unknown as ParsedMail);
    });
    const source = bufferSlices(input);
    source.once("error", (err) => {
      parser.destroy();
      settle(err);
    });
    source.pipe(parser);
  });
}
