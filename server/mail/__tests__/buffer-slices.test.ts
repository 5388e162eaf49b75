import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { countTurns } from "../../../test/support/event-loop-turns";
import { bufferSlices } from "../buffer-slices";

/** Reads the stream, noting between its chunks how many turns of the event loop a ticker saw. */
async function read(stream: NodeJS.ReadableStream) {
  const counter = countTurns();
  const chunks: { chunk: Buffer; turnsBefore: number }[] = [];
  for await (const chunk of stream) chunks.push({ chunk: chunk as Buffer, turnsBefore: counter.turns });
  counter.stop();
  return chunks;
}

describe("bufferSlices (issue 15 item 8: a large message is read a slice per turn)", () => {
  it("gives the bytes back exactly, as views into the same memory, in slices of the given size", async () => {
    const bytes = randomBytes(10 * 1024 + 17);
    const chunks = await read(bufferSlices(bytes, 1024));
    expect(chunks.map((c) => c.chunk.length)).toEqual([...Array<number>(10).fill(1024), 17]);
    expect(Buffer.concat(chunks.map((c) => c.chunk)).equals(bytes)).toBe(true);
    for (const { chunk } of chunks) expect(chunk.buffer).toBe(bytes.buffer);
  });

  it("lets other work run between two slices, and none before the first", async () => {
    const chunks = await read(bufferSlices(randomBytes(8 * 1024), 1024));
    expect(chunks[0]!.turnsBefore).toBe(0);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.turnsBefore).toBeGreaterThan(chunks[i - 1]!.turnsBefore);
  });

  it("reads a message of one slice, and an empty one, without waiting for a turn", async () => {
    const one = await read(bufferSlices(Buffer.from("Subject: hi\r\n\r\nshort\r\n")));
    expect(one.map((c) => c.chunk.toString())).toEqual(["Subject: hi\r\n\r\nshort\r\n"]);
    expect(one[0]!.turnsBefore).toBe(0);
    expect(await read(bufferSlices(Buffer.alloc(0)))).toEqual([]);
  });
});
