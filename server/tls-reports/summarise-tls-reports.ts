/**
 * The TLS-RPT summary on the MTA-STS page (R-STS-3): per day (UTC, by the start of each report's date range)
 * the successful and failed sessions, the failure types and the reporting organisations; the same over the
 * whole window; the unreadable reports; and whether a clean week has passed, which is when the page recommends
 * enforce (the product doc: "Once you've had a clean week of TLS-RPT, flip to enforce").
 *
 * Clean week: the last 7 consecutive days, ending with the latest day that has reports, each have at least one
 * report and no failed session, and that latest day is recent (reports describe the previous day and arrive
 * within a day or two), so a week of silence after a clean week does not count as one.
 *
 * Unauthenticated reports (issue 19 item 11: HTTPS POSTs, or mail without a verified DKIM signature; anyone can
 * send one) are shown, marked as such, but a day needs an authenticated report to count towards the clean
 * week: a forged "all fine" cannot talk a tenant into enforce. A failure breaks the streak whoever reports it —
 * caution costs only a later recommendation.
 */
import type { Db } from "../db/client";
import type { MtaStsMode } from "../mta-sts/policy";

export const CLEAN_WEEK_DAYS = 7;
/** How old the latest report day may be for a clean streak to still count (today, yesterday, the day before). */
const RECENT_DAYS = 3;
const DAY_MS = 86_400_000;
export const SUMMARY_DAYS_DEFAULT = 30;

export type DaySummary = {
  /** YYYY-MM-DD (UTC). */
  day: string;
  reports: number;
  /** Of `reports`, those nobody vouches for (see the file header). */
  unauthenticatedReports: number;
  successCount: number;
  failureCount: number;
  failureTypes: { type: string; count: number }[];
  organisations: string[];
};

export type OrganisationSummary = {
  name: string;
  reports: number;
  unauthenticatedReports: number;
  successCount: number;
  failureCount: number;
  lastReportAt: Date;
};

export type TlsReportSummary = {
  windowDays: number;
  /** Days that have reports, newest first. */
  days: DaySummary[];
  totals: { reports: number; unauthenticatedReports: number; successCount: number; failureCount: number };
  failureTypes: { type: string; count: number }[];
  organisations: OrganisationSummary[];
  unreadable: { id: string; reason: string; receivedAt: Date; source: string }[];
  /** Consecutive clean days ending at the latest report day (0 when that day had failures or is not recent). */
  cleanStreakDays: number;
  /** The policy mode the recommendation was made for. */
  mode: MtaStsMode;
  /** A clean week has passed while the policy is in testing: switch to enforce. */
  recommendEnforce: boolean;
  lastReceivedAt: Date | null;
};

function dayKey(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function sortedCounts(map: Map<string, number>): { type: string; count: number }[] {
  return [...map.entries()]
    .map(([type, count]) => ({ type, count }))
    .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
}

function failureTypesOf(detailsJson: string | null): Record<string, number> {
  if (!detailsJson) return {};
  try {
    const parsed = JSON.parse(detailsJson) as { failureTypes?: Record<string, unknown> };
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(parsed.failureTypes ?? {})) if (typeof v === "number") out[k] = v;
    return out;
  } catch {
    return {};
  }
}

/**
 * Consecutive clean days ending at the latest report day, by the rule in the file header. A day whose reports
 * are all unauthenticated (when the counts are given) is as good as a day without reports.
 */
export function cleanStreak(
  days: { day: string; failureCount: number; reports?: number; unauthenticatedReports?: number }[],
  now: Date,
): number {
  const byDay = new Map(days.map((d) => [d.day, d.failureCount]));
  const vouched = (d: (typeof days)[number]) => (d.reports ?? 1) > (d.unauthenticatedReports ?? 0);
  // A failure counts from any report; a clean day only from an authenticated one.
  for (const d of days) if (!vouched(d) && d.failureCount === 0) byDay.delete(d.day);
  const latest = [...byDay.keys()].sort().at(-1);
  if (!latest) return 0;
  const latestMs = Date.parse(`${latest}T00:00:00Z`);
  const todayMs = Date.parse(`${dayKey(now)}T00:00:00Z`);
  if (todayMs - latestMs > (RECENT_DAYS - 1) * DAY_MS) return 0;
  let streak = 0;
  for (let t = latestMs; ; t -= DAY_MS) {
    const failures = byDay.get(dayKey(new Date(t)));
    if (failures === undefined || failures > 0) break;
    streak += 1;
  }
  return streak;
}

/** The summary over the last `windowDays` days (by report start). */
export async function summariseTlsReports(
  db: Db,
  args: { tenantId: string; now?: Date; windowDays?: number },
): Promise<TlsReportSummary> {
  const now = args.now ?? new Date();
  const windowDays = Math.max(CLEAN_WEEK_DAYS, Math.min(args.windowDays ?? SUMMARY_DAYS_DEFAULT, 366));
  const since = new Date(Date.parse(`${dayKey(now)}T00:00:00Z`) - (windowDays - 1) * DAY_MS);
  const [tenant, reports, unreadable, last] = await Promise.all([
    db.tenant.findUnique({ where: { id: args.tenantId }, select: { mtaStsMode: true } }),
    db.tlsReport.findMany({
      where: { tenantId: args.tenantId, parseError: null, dateBegin: { gte: since } },
      select: {
        orgName: true,
        dateBegin: true,
        successCount: true,
        failureCount: true,
        detailsJson: true,
        createdAt: true,
        authenticated: true,
      },
      orderBy: { dateBegin: "asc" },
      take: 20_000,
    }),
    db.tlsReport.findMany({
      where: { tenantId: args.tenantId, parseError: { not: null } },
      select: { id: true, parseError: true, createdAt: true, source: true },
      orderBy: { createdAt: "desc" },
      take: 10,
    }),
    db.tlsReport.findFirst({
      where: { tenantId: args.tenantId },
      select: { createdAt: true },
      orderBy: { createdAt: "desc" },
    }),
  ]);

  type DayAcc = {
    reports: number;
    unauthenticated: number;
    success: number;
    failure: number;
    types: Map<string, number>;
    orgs: Set<string>;
  };
  const days = new Map<string, DayAcc>();
  const allTypes = new Map<string, number>();
  const orgs = new Map<string, OrganisationSummary>();
  for (const r of reports) {
    const key = dayKey(r.dateBegin!);
    const acc = days.get(key) ?? {
      reports: 0,
      unauthenticated: 0,
      success: 0,
      failure: 0,
      types: new Map(),
      orgs: new Set(),
    };
    acc.reports += 1;
    if (!r.authenticated) acc.unauthenticated += 1;
    acc.success += r.successCount;
    acc.failure += r.failureCount;
    acc.orgs.add(r.orgName);
    for (const [type, n] of Object.entries(failureTypesOf(r.detailsJson))) {
      acc.types.set(type, (acc.types.get(type) ?? 0) + n);
      allTypes.set(type, (allTypes.get(type) ?? 0) + n);
    }
    days.set(key, acc);
    const org = orgs.get(r.orgName) ?? {
      name: r.orgName,
      reports: 0,
      unauthenticatedReports: 0,
      successCount: 0,
      failureCount: 0,
      lastReportAt: r.createdAt,
    };
    org.reports += 1;
    if (!r.authenticated) org.unauthenticatedReports += 1;
    org.successCount += r.successCount;
    org.failureCount += r.failureCount;
    if (r.createdAt > org.lastReportAt) org.lastReportAt = r.createdAt;
    orgs.set(r.orgName, org);
  }

  const daySummaries: DaySummary[] = [...days.entries()]
    .sort(([a], [b]) => b.localeCompare(a))
    .map(([day, acc]) => ({
      day,
      reports: acc.reports,
      unauthenticatedReports: acc.unauthenticated,
      successCount: acc.success,
      failureCount: acc.failure,
      failureTypes: sortedCounts(acc.types),
      organisations: [...acc.orgs].sort((a, b) => a.localeCompare(b)),
    }));
  const streak = cleanStreak(daySummaries, now);
  return {
    windowDays,
    days: daySummaries,
    totals: {
      reports: reports.length,
      unauthenticatedReports: reports.filter((r) => !r.authenticated).length,
      successCount: reports.reduce((n, r) => n + r.successCount, 0),
      failureCount: reports.reduce((n, r) => n + r.failureCount, 0),
    },
    failureTypes: sortedCounts(allTypes),
    organisations: [...orgs.values()].sort((a, b) => b.reports - a.reports || a.name.localeCompare(b.name)),
    unreadable: unreadable.map((u) => ({ id: u.id, reason: u.parseError!, receivedAt: u.createdAt, source: u.source })),
    cleanStreakDays: streak,
    mode: (tenant?.mtaStsMode ?? "testing") as MtaStsMode,
    recommendEnforce: tenant?.mtaStsMode === "testing" && streak >= CLEAN_WEEK_DAYS,
    lastReceivedAt: last?.createdAt ?? null,
  };
}
