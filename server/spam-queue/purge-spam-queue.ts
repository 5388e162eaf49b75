/** Spam queue retention (R-SPAM-2): items older than their tenant's spamRetentionDays go; run by the MTA. */
import type { Db } from "../db/client";

const DAY_MS = 24 * 60 * 60 * 1000;

export async function purgeSpamQueue(db: Db, now: Date = new Date()): Promise<number> {
  const tenants = await db.tenant.findMany({ select: { id: true, spamRetentionDays: true } });
  let purged = 0;
  for (const t of tenants) {
    const before = new Date(now.getTime() - t.spamRetentionDays * DAY_MS);
    purged += (await db.quarantinedMessage.deleteMany({ where: { tenantId: t.id, createdAt: { lt: before } } })).count;
  }
  return purged;
}
