/**
 * Recipient enumeration limits (R-IN-1, R-IN-11). Probing which addresses exist costs one refused RCPT per guess,
 * so refused recipients are budgeted: per connection (the session is closed with 421 once it has had
 * `perConnection` refusals) and per client IP over a fixed window (every RCPT from that IP gets 450 until the
 * window ends, known addresses included — otherwise the difference would still answer the attacker's question).
 * The per-connection budget counts every refused recipient (no legitimate session has ten); the per-IP budget only
 * addresses under the inbound domain: a foreign destination (a relay attempt) is refused the same way whatever it
 * is, so it tells a prober nothing, and a relay scanner is already cut off per session. Both answers are temporary: a legitimate sender with a stale list just retries later. Counted in this process
 * only, like the connection limit: each MTA node protects itself without a database round trip.
 */
import { domainOf, isAtOrUnderDomain } from "../mail/addresses";

export type UnknownRecipientLimits = { perConnection: number; perIp: number; windowMs: number };

export const UNKNOWN_RECIPIENT_LIMITS: UnknownRecipientLimits = {
  perConnection: 10,
  perIp: 100,
  windowMs: 10 * 60_000,
};

/** Entries kept before expired windows are swept (bounds memory under a spray of source addresses). */
const SWEEP_AT = 10_000;

export class UnknownRecipientLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly limits: UnknownRecipientLimits = UNKNOWN_RECIPIENT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when this IP has used up its refusals for the current window. */
  ipBlocked(ip: string): boolean {
    const w = this.#current(ip);
    return w !== undefined && w.count >= this.limits.perIp;
  }

  /** True when a session with this many refusals so far must be closed. */
  connectionSpent(unknownSoFar: number): boolean {
    return unknownSoFar >= this.limits.perConnection;
  }

  /** Records one refused recipient from this IP. */
  record(ip: string): void {
    const w = this.#current(ip);
    if (w) w.count++;
    else {
      if (this.#windows.size >= SWEEP_AT) this.#sweep();
      this.#windows.set(ip, { start: this.now(), count: 1 });
    }
  }

  #current(ip: string) {
    const w = this.#windows.get(ip);
    if (w && this.now() - w.start >= this.limits.windowMs) {
      this.#windows.delete(ip);
      return undefined;
    }
    return w;
  }

  #sweep(): void {
    const now = this.now();
    for (const [ip, w] of this.#windows) if (now - w.start >= this.limits.windowMs) this.#windows.delete(ip);
  }
}

/** Whether an address's domain is the inbound domain or under it (where guessing could find a real recipient). */
export function underInboundDomain(address: string, inboundDomain: string): boolean {
  if (!address.includes("@")) return false;
  return isAtOrUnderDomain(domainOf(address.replace(/>$/, "")), inboundDomain);
}
