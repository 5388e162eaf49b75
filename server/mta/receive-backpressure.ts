/**
 * Back-pressure while a message arrives (issue 19 item 13). Haraka's message stream queues received data in
 * memory until its spool file is open and the disk has taken it, and nothing slows the sender meanwhile: a 20 MB
 * message sent over a fast link sat in that queue whole (measured: 21 MB in flight of 21 MB), in chunks that then
 * stay as garbage until V8's next full collection. Here the connection's socket is paused while more than
 * HIGH_WATER bytes wait for the disk and resumed once they are down to LOW_WATER, as TCP flow control intends.
 *
 * The socket is only ever resumed by this code after it paused it itself, and never once the connection is closing.
 * Should the queue not drain (a stalled disk), the socket is resumed after MAX_HOLD_MS anyway: Haraka's own
 * limits and timeouts take it from there, as before this existed.
 */
import { SPOOL_AFTER } from "./mta-settings";

/** Up to SPOOL_AFTER bytes stay in memory by design (small messages are never spooled); pause above that. */
export const HIGH_WATER = SPOOL_AFTER + 512 * 1024;
export const LOW_WATER = 256 * 1024;
const POLL_MS = 2;
const MAX_HOLD_MS = 10_000;

/** The parts of Haraka's message stream and connection used here. */
export type ReceivingStream = { buffered: number; add_line(line: Buffer): unknown };
export type ReceivingSocket = { pause(): unknown; resume(): unknown };

/**
 * Wraps `stream.add_line` so that the socket pauses while too much of the message waits for the disk.
 * `closing()` says whether the connection is going away (then the socket is left as it is).
 */
export function applyReceiveBackpressure(stream: ReceivingStream, socket: ReceivingSocket, closing: () => boolean): void {
  const addLine = stream.add_line.bind(stream);
  let paused = false;
  const watch = (since: number) => {
    setTimeout(() => {
      if (closing()) return void (paused = false);
      if (stream.buffered > LOW_WATER && Date.now() - since < MAX_HOLD_MS) return watch(since);
      paused = false;
      socket.resume();
    }, POLL_MS).unref();
  };
  stream.add_line = (line: Buffer) => {
    const result = addLine(line);
    if (!paused && stream.buffered > HIGH_WATER && !closing()) {
      paused = true;
      socket.pause();
      watch(Date.now());
    }
    return result;
  };
}
