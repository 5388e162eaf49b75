/**
 * What the DMARC reports screen shows (R-X-1), per sending domain and period: volume, DMARC pass and alignment
 * shares, volume over time, sources grouped by IP, and the sources that fail DMARC for the domain while being
 * neither the gateway nor a known authorised sender (possible impersonation). Every query is scoped to the
 * tenant. A report belongs to the period by the start of its date range (by when it arrived when it has none).
 */
import { z } from "zod";
import type { Db } from "../db/client";
import { newRowId } from "../db/raw-sql";
import { AppError } from "../errors";
import { displayDomain } from "../domain-names";
import type { GatewaySenders } from "./gateway-senders";
import { isUniqueViolation } from "../clients/prisma-errors";
import { readReportFile } from "./read-report-file";
import { storeReadReport, type StoreReportOutcome } from "./store-report";

export const DMARC_PERIODS = ["7d", "30d", "90d", "365d", "all"] as const;
export type DmarcPeriod = (typeof DMARC_PERIODS)[number];
const PERIOD_DAYS: Record<Exclude<DmarcPeriod, "all">, number> = { "7d": 7, "30d": 30, "90d": 90, "365d": 365 };
const DAY = 86_400_000;
/** Records read per overview; beyond this the figures say they are partial. */
const MAX_RECORDS = 200_000;

export const dmarcOverviewInput = z.object({
  domain: z.string().trim().toLowerCase().max(253),
  period: z.enum(DMARC_PERIODS).default("30d"),
});
export type DmarcOverviewInput = z.infer<typeof dmarcOverviewInput>;

export type DmarcDomain = { domain: string; display: string; sendingDomain: boolean; reports: number; lastReportAt: Date | null };

/** The tenant's sending domains plus every domain its reports are about, sending domains first. */
export async function listDmarcDomains(db: Db, tenantId: string): Promise<DmarcDomain[]> {
  const [sending, reported] = await Promise.all([
    db.sendingDomain.findMany({ where: { tenantId }, select: { domain: true }, orderBy: { domain: "asc" } }),
    db.dmarcReport.groupBy({
      by: ["domain"],
      where: { tenantId, domain: { not: "" }, storingBy: null },
      _count: { _all: true },
      _max: { dateEnd: true, createdAt: true },
    }),
  ]);
  const byDomain = new Map(reported.map((r) => [r.domain, r]));
  const out: DmarcDomain[] = sending.map((s) => {
    const r = byDomain.get(s.domain);
    return { domain: s.domain, display: displayDomain(s.domain), sendingDomain: true, reports: r?._count._all ?? 0, lastReportAt: r?._max.dateEnd ?? r?._max.createdAt ?? null };
  });
  const sendingSet = new Set(sending.map((s) => s.domain));
  for (const r of reported.sort((a, b) => b._count._all - a._count._all || a.domain.localeCompare(b.domain))) {
    if (sendingSet.has(r.domain)) continue;
    out.push({ domain: r.domain, display: displayDomain(r.domain), sendingDomain: false, reports: r._count._all, lastReportAt: r._max.dateEnd ?? r._max.createdAt ?? null });
  }
  return out;
}

function periodRange(period: DmarcPeriod, now: Date): { from: Date | null; to: Date } {
  if (period === "all") return { from: null, to: now };
  return { from: new Date(now.getTime() - PERIOD_DAYS[period] * DAY), to: now };
}

function reportWhere(tenantId: string, domain: string, range: { from: Date | null; to: Date }) {
  const dates = range.from ? { gte: range.from, lte: range.to } : { lte: range.to };
  return { tenantId, domain, storingBy: null, OR: [{ dateBegin: dates }, { dateBegin: null, createdAt: dates }] };
}

export type DmarcSource = {
  ip: string;
  messages: number;
  pass: number;
  fail: number;
  dkimAligned: number;
  spfAligned: number;
  quarantined: number;
  rejected: number;
  reporters: string[];
  headerFroms: string[];
  /** Domains that authenticated this source's mail without aligning (a forwarder, an unconfigured service). */
  authenticatedAs: string[];
  gateway: boolean;
  /** Passed DMARC for the domain in some of its mail this period: a sender the domain authorises. */
  authorised: boolean;
};

export type DmarcSuspect = DmarcSource & { kind: "impersonation" | "unaligned" };

export type DmarcOverview = {
  domain: string;
  period: DmarcPeriod;
  from: Date | null;
  to: Date;
  totals: { messages: number; pass: number; fail: number; aligned: number; dkimAligned: number; spfAligned: number; reports: number; malformed: number; sources: number };
  /** Buckets of a day (a week over long periods), oldest first, with no gaps. */
  series: { start: Date; pass: number; fail: number }[];
  bucket: "day" | "week";
  sources: DmarcSource[];
  suspects: DmarcSuspect[];
  policy: { p: string | null; adkim: string | null; aspf: string | null } | null;
  gateway: { description: string; incomplete: boolean };
  partial: boolean;
};

type AuthJson = { dkim?: { domain: string; result: string }[]; spf?: { domain: string; result: string }[] };

/** The figures of one domain over a period. */
export async function dmarcOverview(
  db: Db,
  params: { tenantId: string; gateway: GatewaySenders; now?: Date } & DmarcOverviewInput,
): Promise<DmarcOverview> {
  const { tenantId, domain, period } = dmarcOverviewInput.extend({ tenantId: z.string() }).parse(params);
  const now = params.now ?? new Date();
  const range = periodRange(period, now);
  const where = reportWhere(tenantId, domain, range);
  const [records, reports, malformed, latest] = await Promise.all([
    db.dmarcRecord.findMany({
      where: { report: where },
      select: {
        sourceIp: true,
        count: true,
        disposition: true,
        dkim: true,
        spf: true,
        dkimAligned: true,
        spfAligned: true,
        headerFrom: true,
        authJson: true,
        report: { select: { orgName: true, dateBegin: true, createdAt: true } },
      },
      take: MAX_RECORDS,
    }),
    db.dmarcReport.count({ where: { ...where, parseError: null } }),
    db.dmarcReport.count({ where: { ...where, parseError: { not: null } } }),
    db.dmarcReport.findFirst({ where: { tenantId, domain, parseError: null, storingBy: null }, orderBy: { dateBegin: "desc" }, select: { policyJson: true } }),
  ]);

  const totals = { messages: 0, pass: 0, fail: 0, aligned: 0, dkimAligned: 0, spfAligned: 0, reports, malformed, sources: 0 };
  const byIp = new Map<string, DmarcSource & { reporterSet: Set<string>; fromSet: Set<string>; authSet: Set<string> }>();
  let earliest = range.from?.getTime() ?? Infinity;
  const dated: { at: number; count: number; pass: boolean }[] = [];
  for (const r of records) {
    const pass = r.dkim === "pass" || r.spf === "pass";
    totals.messages += r.count;
    if (pass) totals.pass += r.count;
    else totals.fail += r.count;
    if (r.dkimAligned || r.spfAligned) totals.aligned += r.count;
    if (r.dkimAligned) totals.dkimAligned += r.count;
    if (r.spfAligned) totals.spfAligned += r.count;
    let s = byIp.get(r.sourceIp);
    if (!s) {
      s = {
        ip: r.sourceIp,
        messages: 0,
        pass: 0,
        fail: 0,
        dkimAligned: 0,
        spfAligned: 0,
        quarantined: 0,
        rejected: 0,
        reporters: [],
        headerFroms: [],
        authenticatedAs: [],
        gateway: params.gateway.has(r.sourceIp),
        authorised: false,
        reporterSet: new Set(),
        fromSet: new Set(),
        authSet: new Set(),
      };
      byIp.set(r.sourceIp, s);
    }
    s.messages += r.count;
    if (pass) {
      s.pass += r.count;
      s.authorised = true;
    } else s.fail += r.count;
    if (r.dkimAligned) s.dkimAligned += r.count;
    if (r.spfAligned) s.spfAligned += r.count;
    if (r.disposition === "quarantine") s.quarantined += r.count;
    if (r.disposition === "reject") s.rejected += r.count;
    s.reporterSet.add(r.report.orgName);
    if (r.headerFrom) s.fromSet.add(r.headerFrom);
    if (!pass && r.authJson) {
      try {
        const auth = JSON.parse(r.authJson) as AuthJson;
        for (const a of [...(auth.dkim ?? []), ...(auth.spf ?? [])]) if (a.result === "pass" && a.domain) s.authSet.add(a.domain);
      } catch {
        // a record written by hand without JSON: nothing to add
      }
    }
    const at = (r.report.dateBegin ?? r.report.createdAt).getTime();
    if (at < earliest) earliest = at;
    dated.push({ at, count: r.count, pass });
  }

  const sources = [...byIp.values()]
    .map(({ reporterSet, fromSet, authSet, ...s }) => ({
      ...s,
      reporters: [...reporterSet].sort().slice(0, 10),
      headerFroms: [...fromSet].sort().slice(0, 10),
      authenticatedAs: [...authSet].sort().slice(0, 10),
    }))
    .sort((a, b) => b.messages - a.messages || a.ip.localeCompare(b.ip));
  totals.sources = sources.length;
  const suspects: DmarcSuspect[] = sources
    .filter((s) => s.fail > 0 && !s.gateway && !s.authorised)
    .map((s) => ({ ...s, kind: s.authenticatedAs.length ? ("unaligned" as const) : ("impersonation" as const) }))
    .sort((a, b) => (a.kind === b.kind ? b.fail - a.fail : a.kind === "impersonation" ? -1 : 1));

  // The series: days (weeks beyond three months), from the period's start (or the first report) to now.
  const start = Number.isFinite(earliest) ? earliest : now.getTime() - 30 * DAY;
  const bucket: "day" | "week" = now.getTime() - start > 92 * DAY ? "week" : "day";
  const size = bucket === "day" ? DAY : 7 * DAY;
  const first = bucket === "day" ? Math.floor(start / DAY) * DAY : mondayOf(start);
  const count = Math.max(1, Math.floor((now.getTime() - first) / size) + 1);
  const series = Array.from({ length: Math.min(count, 400) }, (_, i) => ({ start: new Date(first + i * size), pass: 0, fail: 0 }));
  for (const d of dated) {
    const i = Math.min(series.length - 1, Math.max(0, Math.floor((d.at - first) / size)));
    if (d.pass) series[i]!.pass += d.count;
    else series[i]!.fail += d.count;
  }

  let policy: DmarcOverview["policy"] = null;
  if (latest?.policyJson) {
    try {
      const p = JSON.parse(latest.policyJson) as { p?: string | null; adkim?: string | null; aspf?: string | null };
      policy = { p: p.p ?? null, adkim: p.adkim ?? null, aspf: p.aspf ?? null };
    } catch {
      policy = null;
    }
  }

  return {
    domain,
    period,
    from: range.from,
    to: range.to,
    totals,
    series,
    bucket,
    sources,
    suspects,
    policy,
    gateway: { description: params.gateway.description, incomplete: params.gateway.incomplete },
    partial: records.length >= MAX_RECORDS,
  };
}

function mondayOf(t: number): number {
  const day = Math.floor(t / DAY) * DAY;
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  return day - weekday * DAY;
}

export const listDmarcReportsInput = dmarcOverviewInput.extend({ limit: z.number().int().min(1).max(200).default(50) });

export type DmarcReportRow = {
  id: string;
  orgName: string;
  email: string | null;
  reportId: string;
  domain: string;
  dateBegin: Date | null;
  dateEnd: Date | null;
  recordCount: number;
  messageCount: number;
  parseError: string | null;
  problems: string[];
  source: string;
  fileName: string | null;
  createdAt: Date;
};

/** The reports of a domain in the period, newest first, with the unreadable ones that name no domain. */
export async function listDmarcReports(
  db: Db,
  params: { tenantId: string; now?: Date } & z.input<typeof listDmarcReportsInput>,
): Promise<{ reports: DmarcReportRow[]; total: number }> {
  const { tenantId, domain, period, limit } = listDmarcReportsInput.extend({ tenantId: z.string() }).parse(params);
  const range = periodRange(period, params.now ?? new Date());
  const inRange = reportWhere(tenantId, domain, range);
  const created = range.from ? { gte: range.from, lte: range.to } : { lte: range.to };
  const where = { OR: [inRange, { tenantId, domain: "", storingBy: null, createdAt: created }] };
  const [rows, total] = await Promise.all([
    db.dmarcReport.findMany({
      where,
      orderBy: [{ createdAt: "desc" }],
      take: limit,
      select: {
        id: true,
        orgName: true,
        email: true,
        reportId: true,
        domain: true,
        dateBegin: true,
        dateEnd: true,
        recordCount: true,
        messageCount: true,
        parseError: true,
        problemsJson: true,
        source: true,
        fileName: true,
        createdAt: true,
      },
    }),
    db.dmarcReport.count({ where }),
  ]);
  return {
    total,
    reports: rows.map(({ problemsJson, ...r }) => ({ ...r, problems: problemsJson ? (JSON.parse(problemsJson) as string[]) : [] })),
  };
}

/** One report with its raw file and its records, for the "view report" panel. */
export async function getDmarcReport(db: Db, params: { tenantId: string; id: string }) {
  const report = await db.dmarcReport.findFirst({
    where: { id: params.id, tenantId: params.tenantId, storingBy: null },
    include: { records: { orderBy: { count: "desc" }, take: 500 } },
  });
  if (!report) throw new AppError("NOT_FOUND", "This report does not exist (or was removed).");
  const { problemsJson, policyJson, ...rest } = report;
  return {
    ...rest,
    problems: problemsJson ? (JSON.parse(problemsJson) as string[]) : [],
    policy: policyJson ? (JSON.parse(policyJson) as Record<string, unknown>) : null,
  };
}

/** Largest report file accepted by upload. Aggregate reports are kilobytes; a very large sender's a few MB. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export const uploadDmarcReportInput = z.object({
  fileName: z.string().trim().max(255).default(""),
  contentBase64: z
    .string()
    .min(1, "Choose a report file.")
    .max(Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 8, `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`),
});

/**
 * A report uploaded on the screen (for tenants whose rua still points elsewhere): the same reading and storing as
 * mailed reports. A file that cannot be read is refused (the person is there to see why) rather than kept.
 */
export async function uploadDmarcReport(
  db: Db,
  params: { tenantId: string } & z.input<typeof uploadDmarcReportInput>,
): Promise<Exclude<StoreReportOutcome, { status: "malformed" }>> {
  const input = uploadDmarcReportInput.parse(params);
  const bytes = Buffer.from(input.contentBase64, "base64");
  if (!bytes.length) throw new AppError("BAD_INPUT", "The file is empty.", { field: "file" });
  if (bytes.length > MAX_UPLOAD_BYTES) {
    throw new AppError("BAD_INPUT", `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`, { field: "file" });
  }
  // Read outside any transaction, with the event loop free between slices (issue 19 item 1: an upload of a huge
  // report must not freeze the web process for everyone else); then it is stored a batch of records at a time.
  const read = await readReportFile(bytes);
  if (!read.ok) {
    throw new AppError("BAD_INPUT", `This file is not a DMARC aggregate report we can read: ${read.reason}`, { field: "file" });
  }
  // Its own owner token: the report is invisible until its records are all written (store-report.ts).
  const owner = `upload:${newRowId()}`;
  const store = () =>
    storeReadReport(db, { tenantId: params.tenantId, file: { bytes, fileName: input.fileName || null }, source: "upload", keepMalformed: false, read, owner });
  let outcome: StoreReportOutcome;
  try {
    outcome = await store();
  } catch (err) {
    // The same report arrived by mail (or another upload) between our check and our insert: now a duplicate.
    if (!isUniqueViolation(err)) throw err;
    outcome = await store();
  }
  if (outcome.status === "malformed") {
    throw new AppError("BAD_INPUT", `This file is not a DMARC aggregate report we can read: ${outcome.reason}`, { field: "file" });
  }
  return outcome;
}
