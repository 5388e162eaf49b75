/**
 * A message already in memory, read as a stream of views into it (no copy), one slice per turn of the event loop
 * after the first (issue 15 item 8). mailauth's DKIM verifier and mailparser take a stream; written a Buffer
 * whole, or sliced with each next write started from the last one's 'drain', a 20 MB message was read in one
 * macrotask: 160-200 ms in which no other SMTP session was served. A message of one slice costs no extra turn.
 */
import { Readable } from "node:stream";

export const SLICE_BYTES = 64 * 1024;

export function bufferSlices(bytes: Buffer, sliceBytes = SLICE_BYTES): Readable {
  let at = 0;
  const next = (stream: Readable) => {
    if (at >= bytes.length) {
      stream.push(null);
      return;
    }
    const slice = bytes.subarray(at, at + sliceBytes);
    at += slice.length;
    stream.push(slice);
  };
  return new Readable({
    highWaterMark: sliceBytes,
    read() {
      if (at === 0) next(this);
      else setImmediate(() => next(this));
    },
  });
}
