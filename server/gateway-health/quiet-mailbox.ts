/**
 * Quiet mailbox (R-HEALTH-2). The rule, as the Health page states it: the tenant mailbox is quiet when no inbound
 * ticket mail arrived for longer than 1.5 × the longest silence of the previous 14 days, and at least 4 hours.
 * The longest silence already holds the tenant's nights and weekends, so a normal Sunday is not an alarm, while
 * a mailbox that usually hears from clients every hour is flagged within a working day. With fewer than 20
 * messages in those 14 days there is not enough history to predict anything, and nothing is flagged.
 */
import type { Db } from "../db/client";

export const QUIET_RULE =
  "Flagged when no client mail arrived for 1.5 × the longest silence of the previous 14 days (and at least 4 hours); needs 20 messages in those 14 days to judge.";
const HISTORY_DAYS = 14;
const FACTOR = 1.5;
const MIN_QUIET_MS = 4 * 3600_000;
const MIN_MESSAGES = 20;
/** Enough to judge; a tenant with more mail than this in 14 days is never quiet for hours unnoticed anyway. */
const MAX_ROWS = 20_000;

export type InboundHistory = {
  /** Inbound ticket messages per UTC day, oldest first, HISTORY_DAYS days ending today. */
  perDay: { day: string; count: number }[];
  lastAt: Date | null;
  quiet: { silentMs: number; thresholdMs: number } | null;
  /** Why nothing could be judged, when it could not. */
  notJudged: string | null;
};

export async function inboundHistory(db: Db, tenantId: string, now: Date): Promise<InboundHistory> {
  const since = new Date(now.getTime() - HISTORY_DAYS * 86_400_000);
  const rows = await db.message.findMany({
    where: { tenantId, direction: "INBOUND", createdAt: { gte: since } },
    select: { createdAt: true },
    orderBy: { createdAt: "asc" },
    take: MAX_ROWS,
  });
  const times = rows.map((r) => r.createdAt.getTime());
  const perDay = dayBuckets(times, now);
  const last = times.length ? times[times.length - 1]! : null;
  if (times.length < MIN_MESSAGES) {
    return { perDay, lastAt: last === null ? null : new Date(last), quiet: null, notJudged: `fewer than ${MIN_MESSAGES} messages in 14 days` };
  }
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  const thresholdMs = Math.max(MIN_QUIET_MS, longest * FACTOR);
  const silentMs = now.getTime() - last!;
  return { perDay, lastAt: new Date(last!), quiet: silentMs > thresholdMs ? { silentMs, thresholdMs } : null, notJudged: null };
}

function dayBuckets(times: number[], now: Date): { day: string; count: number }[] {
  const days: { day: string; count: number }[] = [];
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (let i = HISTORY_DAYS - 1; i >= 0; i--) days.push({ day: new Date(today - i * 86_400_000).toISOString().slice(0, 10), count: 0 });
  const index = new Map(days.map((d, i) => [d.day, i]));
  for (const t of times) {
    const i = index.get(new Date(t).toISOString().slice(0, 10));
    if (i !== undefined) days[i]!.count++;
  }
  return days;
}
