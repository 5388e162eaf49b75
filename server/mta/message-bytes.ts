/**
 * Collects a received message from Haraka's message stream into one Buffer without a second copy (issue 19 item
 * 13). Haraka's own get_data() keeps every chunk and then joins them (Buffer.concat): for a moment the message is
 * in memory twice. Here the chunks are copied into one buffer sized from what the stream says it holds
 * (`sizeHint`, its bytes read) plus HEADROOM for the header fields Haraka adds at the end of DATA (Received:);
 * only a message that outgrows that makes the buffer grow (a copy). The result is a view of the filled part: the
 * unused headroom (at most HEADROOM plus the removed dot-stuffing) stays allocated with it.
 */
import { Writable } from "node:stream";

const HEADROOM = 64 * 1024;

export class MessageBytes extends Writable {
  #buffer: Buffer;
  #length = 0;

  constructor(
    sizeHint: number,
    private readonly done: (raw: Buffer) => void,
  ) {
    super();
    this.#buffer = Buffer.allocUnsafe(Math.max(0, Math.floor(sizeHint) || 0) + HEADROOM);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const needed = this.#length + chunk.length;
    if (needed > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, Math.ceil(this.#buffer.length * 1.25)));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    chunk.copy(this.#buffer, this.#length);
    this.#length = needed;
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    const raw = this.#buffer.subarray(0, this.#length);
    // Haraka's message stream keeps its pipe destination (this) for as long as the transaction lives: without its
    // reference here the message can be collected as soon as its ingestion is over.
    this.#buffer = Buffer.alloc(0);
    this.#length = 0;
    this.done(raw);
    callback();
  }
}
