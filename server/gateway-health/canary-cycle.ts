/**
 * One pass of the forwarding canary (R-HEALTH-1), run by the MTA's health job: canaries not back within the wait
 * (15 minutes), or refused for good on their way out, are marked missed, and every watched address whose last canary is older than the tenant's interval
 * (6 hours by default) gets a new one.
 */
import type { Db } from "../db/client";
import { settleRefusedCanaries } from "./canary-bounce";
import { sendCanary, type CanaryDeps } from "./canary-mail";

export type CanaryTiming = {
  /** Overrides every tenant's interval (CANARY_INTERVAL_SECONDS; tests). */
  intervalSecondsOverride?: number;
  /** CANARY_WAIT_SECONDS: 900 in production. */
  waitSeconds: number;
};

export type CanaryCycleResult = { missed: number; sent: number };

export async function runCanaryCycle(db: Db, deps: CanaryDeps, timing: CanaryTiming, now: Date): Promise<CanaryCycleResult> {
  const refused = await settleRefusedCanaries(db, now);
  const { count: timedOut } = await db.forwardingCanary.updateMany({
    where: { arrivedAt: null, missedAt: null, sentAt: { lte: new Date(now.getTime() - timing.waitSeconds * 1000) } },
    data: { missedAt: now },
  });
  const missed = refused + timedOut;
  const addresses = await db.canaryAddress.findMany({
    select: {
      id: true,
      address: true,
      tenant: { select: { id: true, slug: true, name: true, canaryIntervalMinutes: true } },
      canaries: { select: { sentAt: true }, orderBy: { sentAt: "desc" }, take: 1 },
    },
  });
  let sent = 0;
  for (const a of addresses) {
    const intervalMs = (timing.intervalSecondsOverride ?? a.tenant.canaryIntervalMinutes * 60) * 1000;
    const last = a.canaries[0]?.sentAt;
    if (last && now.getTime() - last.getTime() < intervalMs) continue;
    await sendCanary(
      db,
      deps,
      { tenantId: a.tenant.id, slug: a.tenant.slug, tenantName: a.tenant.name, addressId: a.id, address: a.address },
      now,
    );
    sent++;
  }
  return { missed, sent };
}
