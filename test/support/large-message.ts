/**
 * A large inbound message made on the fly (issue 19 item 13): a short text body and one binary attachment of
 * `attachmentBytes` pseudo-random bytes, base64 in 76-character lines. `sha256` is the attachment's own hash, to
 * compare with what the download route serves.
 */
import { createHash, createHmac } from "node:crypto";

export type LargeMessage = { id: string; raw: Buffer; attachment: Buffer; sha256: string; filename: string };

/** Deterministic bytes (HMAC-SHA256 in counter mode), so a run can be repeated byte for byte. */
function bytes(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0, offset = 0; offset < length; i++) {
    offset += createHmac("sha256", seed).update(String(i)).digest().copy(out, offset);
  }
  return out;
}

export function largeMessage(input: { id: string; attachmentBytes: number; from?: string; to?: string; subject?: string }): LargeMessage {
  const attachment = bytes(input.id, input.attachmentBytes);
  const filename = "backup-report.bin";
  const boundary = `b-${input.id}`;
  const base64 = attachment.toString("base64").replace(/.{76}/g, "$&\r\n");
  const head = [
    `From: Big Sender <${input.from ?? "big@sender.bench.example"}>`,
    `To: ${input.to ?? "support@example.test"}`,
    `Subject: ${input.subject ?? `Large file ${input.id}`}`,
    `Message-ID: <${input.id}@sender.bench.example>`,
    "Date: Mon, 07 Dec 2026 00:00:00 +0000",
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    "The nightly backup report is attached.",
    "",
    `--${boundary}`,
    `Content-Type: application/octet-stream; name="${filename}"`,
    `Content-Disposition: attachment; filename="${filename}"`,
    "Content-Transfer-Encoding: base64",
    "",
    "",
  ].join("\r\n");
  const raw = Buffer.concat([Buffer.from(head), Buffer.from(base64.replace(/\r\n$/, "")), Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { id: input.id, raw, attachment, sha256: createHash("sha256").update(attachment).digest("hex"), filename };
}
