/**
 * R-X-1: the bytes of a report file as receivers send them (an `.xml` file, gzip `.xml.gz` — sometimes gzipped
 * twice —, a `.zip` holding one `.xml`, or the XML as the mail body) into the report's XML text.
 *
 * The container is recognised by its magic bytes, not by the file name or content type: Amazon SES sends gzip as
 * `application/octet-stream`, Google sends zip as `application/zip` with a `.zip` name, some send `.xml.gz`
 * named `.zip`. Every decompression is bounded (MAX_XML_BYTES of output), so a zip or gzip bomb fails with a
 * reason instead of filling memory. Decompression is asynchronous (zlib's thread pool), off the event loop.
 */
import { promisify } from "node:util";
import { gunzip as gunzipCb, inflateRaw as inflateRawCb, type ZlibOptions } from "node:zlib";

// Asynchronous zlib: decompression runs on libuv's thread pool, so unpacking a large report never holds the
// event loop that SMTP sessions and web requests share (issue 19 item 1).
const gunzipAsync = promisify<Buffer, ZlibOptions, Buffer>(gunzipCb);
const inflateRawAsync = promisify<Buffer, ZlibOptions, Buffer>(inflateRawCb);

/** Largest report XML we read (decompressed). Real aggregate reports are kilobytes to a few megabytes. */
export const MAX_XML_BYTES = 32 * 1024 * 1024;
/** Containers inside containers (a gzipped gzip is real; deeper is not). */
const MAX_NESTING = 3;
/** A report zip holds one file; a few are tolerated, many mean this is not a report. */
const MAX_ZIP_ENTRIES = 64;

export type UnpackResult = { ok: true; xml: string; container: ReportContainer[] } | { ok: false; reason: string };
export type ReportContainer = "gzip" | "zip" | "xml";

export class UnpackError extends Error {}

function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function isZip(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 0x03 || b[2] === 0x05) && (b[3] === 0x04 || b[3] === 0x06);
}

/** Unpacks one report file. Never rejects: a file that cannot be read gives `{ ok: false, reason }`. */
export async function unpackReport(input: Buffer): Promise<UnpackResult> {
  try {
    let bytes = input;
    const container: ReportContainer[] = [];
    for (let depth = 0; ; depth++) {
      if (depth > MAX_NESTING) throw new UnpackError(`The file is packed more than ${MAX_NESTING} times over.`);
      if (isGzip(bytes)) {
        bytes = await gunzip(bytes);
        container.push("gzip");
      } else if (isZip(bytes)) {
        bytes = await unzipReport(bytes);
        container.push("zip");
      } else break;
    }
    container.push("xml");
    const xml = decodeXml(bytes);
    return { ok: true, xml, container };
  } catch (err) {
    if (err instanceof UnpackError) return { ok: false, reason: err.message };
    throw err;
  }
}

async function gunzip(bytes: Buffer): Promise<Buffer> {
  try {
    return await gunzipAsync(bytes, { maxOutputLength: MAX_XML_BYTES });
  } catch (err) {
    // Mimecast's gzip ends in a stray CRLF, which zlib reads as a damaged second member. Only retried when the
    // first try failed: a real gzip trailer may itself end in 0x0a or 0x0d.
    let end = bytes.length;
    while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
    if (end < bytes.length && !isTooLarge(err)) {
      try {
        return await gunzipAsync(bytes.subarray(0, end), { maxOutputLength: MAX_XML_BYTES });
      } catch {
        // the original error says more
      }
    }
    throw new UnpackError(zlibReason("gzip", err));
  }
}

function isTooLarge(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === "ERR_BUFFER_TOO_LARGE" || (err instanceof RangeError && /buffer|length/i.test(err.message));
}

function zlibReason(what: string, err: unknown): string {
  if (isTooLarge(err)) {
    return `The ${what} data unpacks to more than ${MAX_XML_BYTES / 1024 / 1024} MB; it is not read.`;
  }
  return `The ${what} data is damaged (${err instanceof Error ? err.message : "cannot be decompressed"}).`;
}

/**
 * The report inside a zip: the first `.xml` entry (else the first file), read through the central directory
 * (sizes there are right even when the local header defers them to a data descriptor). Stored and deflated
 * entries only; encrypted, multi-disk and ZIP64 archives are refused with a reason.
 */
export async function unzipReport(zip: Buffer): Promise<Buffer> {
  const eocd = findEndOfCentralDirectory(zip);
  const entries = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (zip.readUInt16LE(eocd + 4) !== 0 || zip.readUInt16LE(eocd + 6) !== 0) throw new UnpackError("The zip archive spans several disks.");
  if (entries === 0xffff || cdOffset === 0xffffffff) throw new UnpackError("ZIP64 archives are not supported for reports.");
  if (entries === 0) throw new UnpackError("The zip archive is empty.");
  if (entries > MAX_ZIP_ENTRIES) throw new UnpackError(`The zip archive holds ${entries} files; a report holds one.`);
  if (cdOffset + cdSize > eocd) throw new UnpackError("The zip archive is damaged (central directory out of bounds).");

  type Entry = { name: string; method: number; flags: number; compressed: number; size: number; localOffset: number };
  const found: Entry[] = [];
  let p = cdOffset;
  for (let i = 0; i < entries; i++) {
    if (p + 46 > cdOffset + cdSize || zip.readUInt32LE(p) !== 0x02014b50) {
      throw new UnpackError("The zip archive is damaged (bad central directory entry).");
    }
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    if (p + 46 + nameLength > zip.length) throw new UnpackError("The zip archive is damaged (entry name out of bounds).");
    found.push({
      flags: zip.readUInt16LE(p + 8),
      method: zip.readUInt16LE(p + 10),
      compressed: zip.readUInt32LE(p + 20),
      size: zip.readUInt32LE(p + 24),
      localOffset: zip.readUInt32LE(p + 42),
      name: zip.subarray(p + 46, p + 46 + nameLength).toString("utf8"),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  const files = found.filter((e) => !e.name.endsWith("/"));
  const entry = files.find((e) => /\.xml$/i.test(e.name)) ?? files[0];
  if (!entry) throw new UnpackError("The zip archive holds no file.");
  if (entry.flags & 0x1) throw new UnpackError(`${entry.name} in the zip archive is encrypted.`);
  if (entry.size > MAX_XML_BYTES) {
    throw new UnpackError(`${entry.name} in the zip archive unpacks to more than ${MAX_XML_BYTES / 1024 / 1024} MB; it is not read.`);
  }
  const local = entry.localOffset;
  if (local + 30 > zip.length || zip.readUInt32LE(local) !== 0x04034b50) {
    throw new UnpackError("The zip archive is damaged (bad local file header).");
  }
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const end = start + entry.compressed;
  if (end > zip.length) throw new UnpackError("The zip archive is truncated.");
  const data = zip.subarray(start, end);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method !== 8) throw new UnpackError(`${entry.name} in the zip archive uses an unsupported compression (method ${entry.method}).`);
  try {
    // The declared size bounds the output too: a lying header cannot make us inflate more than it said.
    return await inflateRawAsync(data, { maxOutputLength: Math.max(1, Math.min(entry.size, MAX_XML_BYTES)) });
  } catch (err) {
    throw new UnpackError(zlibReason("zip", err));
  }
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end of the file.
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let i = zip.length - 22; i >= lowest; i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) return i;
  }
  throw new UnpackError("The zip archive is damaged (no end of central directory).");
}

/** XML bytes as text: UTF-8 (BOM dropped), UTF-16 by its BOM, or the declared latin-1 / windows-1252. */
function decodeXml(bytes: Buffer): string {
  if (bytes.length > MAX_XML_BYTES) throw new UnpackError(`The report is larger than ${MAX_XML_BYTES / 1024 / 1024} MB; it is not read.`);
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = bytes.subarray(2).toString("utf16le");
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = Buffer.from(bytes.subarray(2)).swap16().toString("utf16le");
  else {
    const head = bytes.subarray(0, 200).toString("latin1");
    const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1]?.toLowerCase();
    text = declared && /^(iso-8859-1|latin1|windows-1252|us-ascii)$/.test(declared) ? bytes.toString("latin1") : bytes.toString("utf8");
  }
  text = text.replace(/^\uFEFF/, "");
  // A test, not trim(): trimming would copy a report of tens of megabytes on the event loop.
  if (!/\S/.test(text)) throw new UnpackError("The file is empty.");
  if (text.includes("\u0000")) throw new UnpackError("The file is binary, not XML, gzip or zip.");
  if (!text.trimStart().startsWith("<")) throw new UnpackError("The file is not XML, gzip or zip.");
  return text;
}
