/**
 * A message's data handled a slice at a time (issue 15 item 8: one large message must not hold up every other
 * SMTP session). Haraka handles each socket read whole, line by line: a 64 KB read of a base64 attachment is
 * about 850 lines, and each line passes through the connection, the transaction and the message stream. On the
 * loaded 2-core machine that was 20-37 ms per read (CPU profile of the large-mail row of `npm run bench inbound`),
 * and a small mail's every step (each command, each reply, each step of its ingestion) waited behind one.
 *
 * Here a connection's reads go through a queue that is handed to Haraka SLICE_BYTES at a time, one slice per turn
 * of the event loop; smaller reads (commands, small mails) pass straight through when nothing is queued. Order is
 * kept, because Haraka joins partial lines across reads itself. While more than QUEUE_HIGH_WATER bytes are queued
 * the socket is paused, so the queue stays bounded; it is resumed once the queue is empty.
 */

export const SLICE_BYTES = 16 * 1024;
export const QUEUE_HIGH_WATER = 256 * 1024;

/** The parts of Haraka's connection used here: its reads go to `process_data`. */
export type SlicedConnection = { process_data(data: Buffer): void };
export type PausableSocket = { pause(): unknown; resume(): unknown };

const SLICED = Symbol("received data sliced");

/**
 * Routes `connection`'s reads through the slicing queue (once per connection; later calls do nothing).
 * `closing()` says whether the connection is going away: then what is queued is dropped, as Haraka would.
 */
export function sliceReceivedData(
  connection: SlicedConnection,
  socket: PausableSocket,
  closing: () => boolean,
  schedule: (fn: () => void) => void = setImmediate,
): void {
  const marked = connection as SlicedConnection & { [SLICED]?: true };
  if (marked[SLICED]) return;
  marked[SLICED] = true;
  const handle = connection.process_data.bind(connection);
  const queue: Buffer[] = [];
  let queued = 0;
  let draining = false;
  let paused = false;

  const drain = () => {
    if (closing()) {
      queue.length = 0;
      queued = 0;
      draining = false;
      return;
    }
    const head = queue[0]!;
    const slice = head.length > SLICE_BYTES ? head.subarray(0, SLICE_BYTES) : head;
    if (slice === head) queue.shift();
    else queue[0] = head.subarray(SLICE_BYTES);
    queued -= slice.length;
    handle(slice);
    if (queue.length) return schedule(drain);
    draining = false;
    if (paused) {
      paused = false;
      socket.resume();
    }
  };

  connection.process_data = (data: Buffer) => {
    if (!draining && data.length <= SLICE_BYTES) return handle(data);
    queue.push(data);
    queued += data.length;
    if (queued > QUEUE_HIGH_WATER && !paused && !closing()) {
      paused = true;
      socket.pause();
    }
    if (!draining) {
      draining = true;
      drain();
    }
  };
}
