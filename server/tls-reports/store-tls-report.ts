/**
 * Stores one TLS-RPT report for a tenant (R-STS-3), however it arrived. The same report (organisation +
 * report-id) is stored once, however often it is sent: reporters retry, and a report can come by mail and by
 * HTTPS. A report that cannot be read is kept too, with the reason, so an admin can see that something came
 * and why it is not in the summary; identical unreadable bytes are kept once (their id is a hash of them).
 *
 * Whether a report is `authenticated` (issue 19 item 11) is the caller's to say: a report by mail whose DKIM
 * signature verified is; an HTTPS POST, which anyone can send, is not. When an authenticated copy arrives of a
 * report first stored unauthenticated, the authenticated one replaces it, so a forged POST cannot squat on a
 * real report's organisation and id.
 */
import { createHash } from "node:crypto";
import type { Db } from "../db/client";
import { isUniqueViolation } from "../clients/prisma-errors";
import { parseTlsReport, type ParsedTlsReport } from "./parse-tls-report";

export type TlsReportSource = "EMAIL" | "HTTPS";

/** The organisation name unreadable reports are filed under (a report-id alone would not be unique). */
export const UNREADABLE_ORG = "(unreadable report)";
const MAX_RAW_KEPT = 1024 * 1024;
/** Unreadable input is kept only as far as it helps to see what it was (anyone can POST or mail one). */
const MAX_UNREADABLE_KEPT = 64 * 1024;

export type StoreTlsReportResult =
  | { status: "stored" | "duplicate"; id: string; orgName: string; reportId: string }
  | { status: "unreadable"; id: string; reason: string; duplicate: boolean };

function keepRaw(parsed: ParsedTlsReport, bytes: Buffer): string {
  const text = parsed.ok ? parsed.json : parsed.text;
  const limit = parsed.ok ? MAX_RAW_KEPT : MAX_UNREADABLE_KEPT;
  if (text !== null) return text.length > limit ? `${text.slice(0, limit)}\n… (cut at ${limit / 1024} KB)` : text;
  return `base64:${bytes.subarray(0, (limit / 4) * 3).toString("base64")}`;
}

async function findExisting(db: Db, tenantId: string, orgName: string, reportId: string) {
  return db.tlsReport.findUnique({
    where: { tenantId_orgName_reportId: { tenantId, orgName, reportId } },
    select: { id: true, authenticated: true },
  });
}

export type StoreTlsReportInput = {
  tenantId: string;
  bytes: Buffer;
  source: TlsReportSource;
  /** The sender is known (DKIM verified); default false. */
  authenticated?: boolean;
  /** The client address of an HTTPS report. */
  sourceIp?: string | null;
  parsed?: ParsedTlsReport;
};

/**
 * Parses and stores a report (gzip or plain JSON bytes). Never throws for bad input; database errors propagate
 * (the MTA then answers 451 and the sender retries, the HTTPS endpoint answers 503).
 */
export async function storeTlsReport(db: Db, args: StoreTlsReportInput): Promise<StoreTlsReportResult> {
  const origin = { source: args.source, authenticated: args.authenticated ?? false, sourceIp: args.sourceIp ?? null };
  const parsed = args.parsed ?? parseTlsReport(args.bytes);
  const raw = keepRaw(parsed, args.bytes);

  if (!parsed.ok) {
    const reportId = `sha256-${createHash("sha256").update(args.bytes).digest("hex")}`;
    const existing = await findExisting(db, args.tenantId, UNREADABLE_ORG, reportId);
    if (existing) return { status: "unreadable", id: existing.id, reason: parsed.reason, duplicate: true };
    try {
      const row = await db.tlsReport.create({
        data: {
          tenantId: args.tenantId,
          orgName: UNREADABLE_ORG,
          reportId,
          raw,
          parseError: parsed.reason,
          ...origin,
        },
        select: { id: true },
      });
      return { status: "unreadable", id: row.id, reason: parsed.reason, duplicate: false };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const again = await findExisting(db, args.tenantId, UNREADABLE_ORG, reportId);
      return { status: "unreadable", id: again?.id ?? "", reason: parsed.reason, duplicate: true };
    }
  }

  const r = parsed.report;
  const ref = { orgName: r.orgName, reportId: r.reportId };
  const content = {
    contactInfo: r.contactInfo,
    dateBegin: r.dateBegin,
    dateEnd: r.dateEnd,
    policyDomain: r.policyDomain,
    successCount: r.successCount,
    failureCount: r.failureCount,
    detailsJson: JSON.stringify({ failureTypes: r.failureTypes, policies: r.policies, ...(r.truncated ? { truncated: r.truncated } : {}) }),
    raw,
    ...origin,
  };
  const existing = await findExisting(db, args.tenantId, r.orgName, r.reportId);
  if (existing) {
    if (origin.authenticated && !existing.authenticated) {
      // Only an unauthenticated row is replaced, and only once: the condition holds in the update itself.
      await db.tlsReport.updateMany({ where: { id: existing.id, authenticated: false }, data: content });
      return { status: "stored", id: existing.id, ...ref };
    }
    return { status: "duplicate", id: existing.id, ...ref };
  }
  try {
    const row = await db.tlsReport.create({
      data: { tenantId: args.tenantId, orgName: r.orgName, reportId: r.reportId, ...content },
      select: { id: true },
    });
    return { status: "stored", id: row.id, ...ref };
  } catch (err) {
    // The same report arriving twice at once (two MTA nodes, mail and HTTPS): the other one stored it.
    if (!isUniqueViolation(err)) throw err;
    const again = await findExisting(db, args.tenantId, r.orgName, r.reportId);
    return { status: "duplicate", id: again?.id ?? "", ...ref };
  }
}
