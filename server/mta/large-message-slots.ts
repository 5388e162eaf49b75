/**
 * Large messages in flight on this MTA node (issue 19 item 13). Receiving, parsing and storing a message holds
 * memory in proportion to its size, so at most LARGE_MESSAGE_SLOTS messages of LARGE_MESSAGE_BYTES or more are in
 * progress at once; the excess is answered with a 4xx and the sender retries later, as for any temporary
 * shortage (RFC 5321 452/451 4.3.1). A message declares its size at MAIL FROM (SIZE=, RFC 1870), so most of the
 * excess is refused before its data is sent; one that declared nothing is counted at the end of DATA. Counted in
 * this process only, like the connection limit: each node protects its own memory.
 */
export class LargeMessageSlots {
  #inUse = 0;

  constructor(
    readonly slots: number,
    /** Messages of at least this many bytes are large. */
    readonly thresholdBytes: number,
  ) {}

  isLarge(bytes: number): boolean {
    return bytes >= this.thresholdBytes;
  }

  /** Takes a slot; false (and nothing taken) when all are in use. */
  tryTake(): boolean {
    if (this.#inUse >= this.slots) return false;
    this.#inUse++;
    return true;
  }

  release(): void {
    this.#inUse = Math.max(this.#inUse - 1, 0);
  }

  get inUse(): number {
    return this.#inUse;
  }
}
