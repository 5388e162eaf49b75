/**
 * A large message's memory is given back before its slot is (issue 19 item 13). Its source and its attachments
 * (some 1.75x its size) live for the second or so the message takes to parse and store: long enough for V8 to move
 * the Buffers that hold them into its old generation, where they wait for the next full collection. V8 starts one
 * only once external memory has grown by tens of megabytes since the last, so with the slot given back at once the
 * next sender's message was received and parsed while the previous one's bytes were still allocated (measured:
 * 10 senders at once peaked at 3.6-4.2x the bytes in flight; 2.3-2.9x with this). One full collection per large
 * message (tens of milliseconds) is small next to the second it takes to receive and store.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Gc = (options?: { type: "major" | "minor" }) => void;

let gc: Gc | null | undefined;

/**
 * V8's gc(), taken from a fresh context while --expose-gc is set for a moment, as jest's leak detector does: no
 * command-line flag for every way the MTA is started, and no global gc in the process's own context. Null when
 * V8 refuses (then collections are V8's own business, as before).
 */
function v8Gc(): Gc | null {
  if (gc !== undefined) return gc;
  try {
    setFlagsFromString("--expose-gc");
    const exposed: unknown = runInNewContext("gc");
    gc = typeof exposed === "function" ? (exposed as Gc) : null;
  } catch {
    gc = null;
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
  return gc;
}

/** A full (major) collection now; false when V8's gc() is not available. */
export function collectGarbage(): boolean {
  const collect = v8Gc();
  if (!collect) return false;
  collect();
  return true;
}

/** A collection of V8's young generation only (a scavenge: about a millisecond); false when gc() is not available. */
export function collectYoungGarbage(): boolean {
  const collect = v8Gc();
  if (!collect) return false;
  collect({ type: "minor" });
  return true;
}

/**
 * Storing a large message copies it once more in 64 KiB pieces on its way to the database (PostgreSQL's driver
 * writes each chunk into its own message buffer). Those copies die at once, but they are external memory: V8 only
 * counts their small wrappers towards its young generation, so tens of megabytes of them waited for the next
 * scavenge (measured: 18 MB more at the peak of a 20 MB message on PostgreSQL). While a large message is in
 * progress the young generation is collected every `everyMs` instead; `hold` and `release` count the messages.
 */
export class YoungGenerationSweeper {
  #held = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly everyMs = 100,
    private readonly collect: () => unknown = collectYoungGarbage,
  ) {}

  hold(): void {
    if (this.#held++ > 0) return;
    this.#timer = setInterval(() => {
      try {
        this.collect();
      } catch {
        // A failed scavenge leaves the garbage to V8's own; the next tick tries again.
      }
    }, this.everyMs);
    this.#timer.unref();
  }

  release(): void {
    if (this.#held === 0) return;
    if (--this.#held === 0) clearInterval(this.#timer);
  }

  get sweeping(): boolean {
    return this.#held > 0;
  }
}

/**
 * Returns `afterCollection(release)`: `release` runs on a later turn of the event loop (once Haraka has dropped the
 * finished transaction and, with it, the last references to its message), right after a full collection. Releases
 * asked for before that turn share one collection. A collection that throws still releases: a slot must never be
 * lost.
 */
export function collectingRelease(collect: () => unknown = collectGarbage): (release: () => void) => void {
  const waiting: (() => void)[] = [];
  return (release) => {
    waiting.push(release);
    if (waiting.length > 1) return;
    setImmediate(() => {
      try {
        collect();
      } catch {
        // Only the memory stays allocated longer; the slots are released below all the same.
      }
      for (const r of waiting.splice(0)) r();
    });
  };
}
