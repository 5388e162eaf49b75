import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MessageBytes } from "./message-bytes";
import { collectGarbage } from "./reclaim-memory";

// The message stream Haraka itself uses (its own dependency, resolved from Haraka's package).
const harakaRequire = createRequire(createRequire(import.meta.url).resolve("Haraka/package.json"));
type Stream = {
  add_line(line: Buffer): void;
  add_line_end(cb: () => void): void;
  bytes_read: number;
  get_data(options: object, cb: (raw: Buffer) => void): void;
  pipe(destination: NodeJS.WritableStream, options: object): void;
  destroy(): void;
};
const MessageStream = harakaRequire("haraka-message-stream") as new (cfg: object, id: string, headers?: string[]) => Stream;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A message received the way Haraka receives it: dot-stuffed lines, spooled to disk past `spoolAfter` bytes. */
async function received(lines: string[], headers: string[] | undefined, spoolAfter: number): Promise<Stream> {
  const dir = mkdtempSync(path.join(tmpdir(), "message-bytes-"));
  dirs.push(dir);
  const stream = new MessageStream({ main: { spool_after: spoolAfter, spool_dir: dir } }, `m${dirs.length}`, headers);
  for (const line of lines) stream.add_line(Buffer.from(`${line}\r\n`, "latin1"));
  await new Promise<void>((resolve) => stream.add_line_end(resolve));
  return stream;
}

const viaGetData = (s: Stream) => new Promise<Buffer>((resolve) => s.get_data({ dot_stuffed: true }, resolve));
const viaMessageBytes = (s: Stream) =>
  new Promise<Buffer>((resolve, reject) => {
    const collect = new MessageBytes(s.bytes_read, resolve);
    collect.once("error", reject);
    s.pipe(collect, { dot_stuffed: true });
  });

function messageLines(bodyLines: number): string[] {
  const body = Array.from({ length: bodyLines }, (_, i) => (i % 50 === 0 ? `..dot-stuffed line ${i}` : `line ${i} ${"x".repeat(70)}`));
  return ["From: a@example.test", "To: b@example.test", "Subject: bytes", "", ...body, "..", "last"];
}

describe("MessageBytes (issue 19 item 13: the received message in one buffer, without get_data's second copy)", () => {
  it.each([
    ["in memory", 1024 * 1024],
    ["spooled to disk", 1024],
  ])("gives exactly the bytes Haraka's get_data gives (%s), dot-stuffing removed", async (_name, spoolAfter) => {
    const stream = await received(messageLines(20_000), undefined, spoolAfter);
    const expected = await viaGetData(stream);
    const raw = await viaMessageBytes(stream);
    stream.destroy();
    expect(raw.length).toBe(expected.length);
    expect(raw.equals(expected)).toBe(true);
    expect(raw.includes(Buffer.from("\r\n.dot-stuffed line 50\r\n"))).toBe(true);
  });

  it("grows past its size hint when Haraka re-emits the header with fields it added (Received:)", async () => {
    const added = `Received: from sender.example.test ${"by gateway ".repeat(8000)}`;
    const headers = [`${added}\r\n`, "From: a@example.test\r\n", "To: b@example.test\r\n", "Subject: bytes\r\n"];
    const stream = await received(messageLines(100), headers, 1024);
    const expected = await viaGetData(stream);
    const raw = await viaMessageBytes(stream);
    stream.destroy();
    expect(raw.length).toBeGreaterThan(stream.bytes_read + 64 * 1024);
    expect(raw.equals(expected)).toBe(true);
    expect(raw.subarray(0, 9).toString()).toBe("Received:");
  });

  it("issue 19 item 13: keeps no reference to the message it handed over (Haraka's stream keeps MessageBytes as long as the transaction)", async () => {
    const stream = await received(messageLines(2_000), undefined, 1024);
    // The memory itself (the ArrayBuffer), not the view handed over.
    const collect = await new Promise<{ bytes: MessageBytes; raw: WeakRef<ArrayBufferLike> }>((resolve, reject) => {
      const bytes: MessageBytes = new MessageBytes(stream.bytes_read, (raw) => resolve({ bytes, raw: new WeakRef(raw.buffer) }));
      bytes.once("error", reject);
      stream.pipe(bytes, { dot_stuffed: true });
    });
    // A WeakRef's target is kept until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    expect(collectGarbage()).toBe(true);
    expect(collect.raw.deref()).toBeUndefined();
    expect(collect.bytes.writableFinished).toBe(true);
    stream.destroy();
  });
});
