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

let gc: (() => void) | null | undefined;

/**
 * V8's gc(), taken from a fresh context while --expose-gc is set for a moment, as jest's leak detector does: no
 * command-line flag for every way the MTA is started, and no global gc in the process's own context. Null when
 * V8 refuses (then collections are V8's own business, as before).
 */
function v8Gc(): (() => void) | null {
  if (gc !== undefined) return gc;
  try {
    setFlagsFromString("--expose-gc");
    const exposed: unknown = runInNewContext("gc");
    gc = typeof exposed === "function" ? (exposed as () => void) : null;
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
