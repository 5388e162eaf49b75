/**
 * Concurrent SMTP connections per client IP (R-IN-11). Counted in this process only: each MTA node enforces its
 * own share, which is what protects the node; a shared counter would put the database on the connect path.
 */
export class ConnectionLimiter {
  readonly #open = new Map<string, number>();

  constructor(private readonly maxPerIp: number) {}

  /** Registers a connection; false (and nothing registered) when the IP is already at its limit. */
  tryOpen(ip: string): boolean {
    const n = this.#open.get(ip) ?? 0;
    if (n >= this.maxPerIp) return false;
    this.#open.set(ip, n + 1);
    return true;
  }

  close(ip: string): void {
    const n = this.#open.get(ip) ?? 0;
    if (n <= 1) this.#open.delete(ip);
    else this.#open.set(ip, n - 1);
  }

  count(ip: string): number {
    return this.#open.get(ip) ?? 0;
  }
}
