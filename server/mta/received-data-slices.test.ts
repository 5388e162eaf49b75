import { describe, expect, it } from "vitest";
import { QUEUE_HIGH_WATER, SLICE_BYTES, sliceReceivedData } from "./received-data-slices";

/** A connection that records what Haraka's process_data would get, and a scheduler run by hand, turn by turn. */
function setup(options: { closing?: () => boolean } = {}) {
  const handled: Buffer[] = [];
  const events: string[] = [];
  const turns: (() => void)[] = [];
  const connection = { process_data: (data: Buffer) => void handled.push(data) };
  const socket = { pause: () => events.push("pause"), resume: () => events.push("resume") };
  sliceReceivedData(connection, socket, options.closing ?? (() => false), (fn) => void turns.push(fn));
  const nextTurn = () => turns.shift()?.();
  const allTurns = () => {
    let n = 0;
    while (turns.length) {
      nextTurn();
      n++;
    }
    return n;
  };
  return { connection, handled, events, turns, nextTurn, allTurns };
}

const bytes = (n: number, seed = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251));

describe("issue 15 item 8: a connection's reads reach Haraka a slice per turn of the event loop", () => {
  it("commands and small reads go straight through, in the same turn", () => {
    const t = setup();
    t.connection.process_data(Buffer.from("EHLO client.example\r\n"));
    t.connection.process_data(bytes(SLICE_BYTES));
    expect(t.handled.map((b) => b.length)).toEqual([21, SLICE_BYTES]);
    expect(t.turns).toHaveLength(0);
  });

  it("a large read is handed over SLICE_BYTES at a time, one slice per turn, byte for byte", () => {
    const t = setup();
    const read = bytes(5 * SLICE_BYTES + 123);
    t.connection.process_data(read);
    // The first slice at once, each further one on a later turn: other sessions' events run in between.
    expect(t.handled).toHaveLength(1);
    expect(t.allTurns()).toBe(5);
    expect(t.handled.map((b) => b.length)).toEqual([
      SLICE_BYTES,
      SLICE_BYTES,
      SLICE_BYTES,
      SLICE_BYTES,
      SLICE_BYTES,
      123,
    ]);
    expect(Buffer.concat(t.handled).equals(read)).toBe(true);
  });

  it("reads that arrive while slices are waiting queue behind them, small ones too: the order is kept", () => {
    const t = setup();
    const first = bytes(3 * SLICE_BYTES, 1);
    const second = Buffer.from(".\r\nQUIT\r\n");
    t.connection.process_data(first);
    t.connection.process_data(second);
    expect(t.handled).toHaveLength(1);
    t.allTurns();
    expect(Buffer.concat(t.handled).equals(Buffer.concat([first, second]))).toBe(true);
    // Once the queue is empty, small reads go straight through again.
    t.connection.process_data(Buffer.from("NOOP\r\n"));
    expect(t.handled.at(-1)!.toString()).toBe("NOOP\r\n");
    expect(t.turns).toHaveLength(0);
  });

  it("the socket pauses while more than QUEUE_HIGH_WATER bytes wait, and resumes once they are handed over", () => {
    const t = setup();
    for (let i = 0; i < 8; i++) t.connection.process_data(bytes(64 * 1024, i));
    expect(8 * 64 * 1024 - SLICE_BYTES).toBeGreaterThan(QUEUE_HIGH_WATER);
    expect(t.events).toEqual(["pause"]);
    t.allTurns();
    expect(t.events).toEqual(["pause", "resume"]);
    expect(t.handled.reduce((n, b) => n + b.length, 0)).toBe(8 * 64 * 1024);
    expect(Math.max(...t.handled.map((b) => b.length))).toBe(SLICE_BYTES);
  });

  it("a connection that is closing drops what is queued (Haraka ignores data after disconnect) and is not resumed", () => {
    let closing = false;
    const t = setup({ closing: () => closing });
    for (let i = 0; i < 8; i++) t.connection.process_data(bytes(64 * 1024, i));
    t.nextTurn();
    closing = true;
    t.allTurns();
    expect(t.handled).toHaveLength(2);
    expect(t.events).toEqual(["pause"]);
  });

  it("is applied once per connection: a second transaction's data hook changes nothing", () => {
    const handled: Buffer[] = [];
    const connection = { process_data: (data: Buffer) => void handled.push(data) };
    const socket = { pause: () => {}, resume: () => {} };
    const turns: (() => void)[] = [];
    sliceReceivedData(
      connection,
      socket,
      () => false,
      (fn) => void turns.push(fn),
    );
    const wrapped = connection.process_data;
    sliceReceivedData(
      connection,
      socket,
      () => false,
      (fn) => void turns.push(fn),
    );
    expect(connection.process_data).toBe(wrapped);
  });
});
