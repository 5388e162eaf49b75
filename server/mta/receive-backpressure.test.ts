import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { applyReceiveBackpressure, HIGH_WATER, LOW_WATER } from "./receive-backpressure";
import { SPOOL_AFTER } from "./mta-settings";

// The message stream Haraka itself uses (its own dependency, resolved from Haraka's package).
const harakaRequire = createRequire(createRequire(import.meta.url).resolve("Haraka/package.json"));
type Stream = { buffered: number; add_line(line: Buffer): unknown; add_line_end(cb: () => void): void; destroy(): void };
const MessageStream = harakaRequire("haraka-message-stream") as new (cfg: object, id: string) => Stream;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("receive back-pressure (issue 19 item 13: a fast sender cannot queue a whole message in memory)", () => {
  it("pauses the socket while more than HIGH_WATER bytes wait for the spool file, and resumes it once they are written", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "backpressure-"));
    dirs.push(dir);
    const stream = new MessageStream({ main: { spool_after: SPOOL_AFTER, spool_dir: dir } }, "bp1");
    const events: string[] = [];
    let peak = 0;
    applyReceiveBackpressure(stream, { pause: () => events.push("pause"), resume: () => events.push("resume") }, () => false);
    const line = Buffer.from(`${"x".repeat(998)}\r\n`);
    // 8 MB arriving in one burst, as from a fast link: nothing gives the disk a turn in between.
    for (let i = 0; i < 8000; i++) {
      stream.add_line(line);
      peak = Math.max(peak, stream.buffered);
    }
    expect(events).toEqual(["pause"]);
    expect(peak).toBeGreaterThan(HIGH_WATER);
    await expect.poll(() => events, { timeout: 10_000 }).toEqual(["pause", "resume"]);
    expect(stream.buffered).toBeLessThanOrEqual(LOW_WATER);
    await new Promise<void>((resolve) => stream.add_line_end(resolve));
    stream.destroy();
  });

  it("never pauses a message that stays under the spool threshold, and leaves a closing connection alone", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "backpressure-"));
    dirs.push(dir);
    const small = new MessageStream({ main: { spool_after: SPOOL_AFTER, spool_dir: dir } }, "bp2");
    const events: string[] = [];
    applyReceiveBackpressure(small, { pause: () => events.push("small pause"), resume: () => events.push("small resume") }, () => false);
    for (let i = 0; i < 900; i++) small.add_line(Buffer.from(`${"y".repeat(998)}\r\n`));
    await new Promise<void>((resolve) => small.add_line_end(resolve));
    const closing = new MessageStream({ main: { spool_after: SPOOL_AFTER, spool_dir: dir } }, "bp3");
    applyReceiveBackpressure(closing, { pause: () => events.push("closing pause"), resume: () => events.push("closing resume") }, () => true);
    for (let i = 0; i < 8000; i++) closing.add_line(Buffer.from(`${"z".repeat(998)}\r\n`));
    await new Promise<void>((resolve) => closing.add_line_end(resolve));
    expect(events).toEqual([]);
    small.destroy();
    closing.destroy();
  });
});
