/**
 * What the canaries say about each watched address (R-HEALTH-1). A canary is settled once it came back in time
 * or was marked missed. The latest settled canary back → ok; the latest missed but the one before back → one
 * miss (amber); the last two settled both missed → the forward is broken, since the first miss of that run.
 * A canary that comes back after it was counted missed proves the forward works, only slowly: it counts as back
 * (its long round trip shows as the latest latency), so it ends a run of misses and resolves the incident.
 */
import type { Db } from "../db/client";

export type ForwardingState = "ok" | "missed" | "broken" | "waiting";

export type AddressForwarding = {
  address: string;
  state: ForwardingState;
  /** The last canary that came back (in time or late). */
  lastArrivedAt: Date | null;
  lastLatencyMs: number | null;
  /** "broken": when the run of misses began (the first missed canary's send time). */
  brokenSince: Date | null;
  /** Canaries sent and still within their wait. */
  pending: number;
  /** The latest missed canary bounced: the receiver's words (canary-bounce.ts). */
  lastBounceReason: string | null;
};

/** A canary's round trip in words: "4.2 s" for a forward that works in time, "20 min" for a late one. */
export function roundTripWords(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

/** How many recent canaries per address are read: enough to find the start of a long run of misses. */
const HISTORY = 200;

export async function forwardingStatus(db: Db, tenantId: string): Promise<AddressForwarding[]> {
  const addresses = await db.canaryAddress.findMany({
    where: { tenantId },
    orderBy: { createdAt: "asc" },
    select: {
      address: true,
      canaries: { orderBy: { sentAt: "desc" }, take: HISTORY, select: { sentAt: true, arrivedAt: true, missedAt: true, latencyMs: true, bounceReason: true } },
    },
  });
  return addresses.map(({ address, canaries }) => {
    const settled = canaries.filter((c) => c.missedAt || c.arrivedAt);
    const pending = canaries.length - settled.length;
    const lastOk = settled.find((c) => c.arrivedAt);
    const misses: typeof settled = [];
    for (const c of settled) {
      if (c.arrivedAt) break;
      misses.push(c);
    }
    const state: ForwardingState = !settled.length ? "waiting" : misses.length >= 2 ? "broken" : misses.length === 1 ? "missed" : "ok";
    return {
      address,
      state,
      lastArrivedAt: lastOk?.arrivedAt ?? null,
      lastLatencyMs: lastOk?.latencyMs ?? null,
      brokenSince: state === "broken" ? misses[misses.length - 1]!.sentAt : null,
      pending,
      lastBounceReason: misses[0]?.bounceReason ?? null,
    };
  });
}
