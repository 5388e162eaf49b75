/**
 * R-X-1 storage: one report file (as mailed to the tenant's DMARC-report mailbox, or uploaded on the screen)
 * into DmarcReport + DmarcRecord rows.
 *
 * - A report is stored once per tenant, reporter (org_name) and report_id (the unique index): a resent or
 *   re-uploaded report is recognised as a duplicate and changes nothing.
 * - A file that cannot be read is kept (when asked to) with `parseError` naming why and the file itself in `raw`
 *   (the XML text, or the bytes in base64 when they are not even text), never dropped and never a crash. It is
 *   keyed by what could be read of its reporter and id, else by its SHA-256, so the same broken file mailed twice
 *   is kept once too.
 */
import { createHash } from "node:crypto";
import type { Tx } from "../db/client";
import { domainOf } from "../mail/addresses";
import type { ParsedMessage } from "../mail/parse-message";
import { parseAggregateReport, ReportParseError, type AggregateReport } from "./parse-aggregate-report";
import { unpackReport } from "./unpack-report";

export type ReportFile = { bytes: Buffer; fileName: string | null };
export type ReportSource = "mail" | "upload";

export type StoreReportOutcome =
  | { status: "stored"; id: string; orgName: string; reportId: string; domain: string; recordCount: number; messageCount: number }
  | { status: "duplicate"; id: string; orgName: string; reportId: string; domain: string }
  | { status: "malformed"; id: string | null; reason: string; fileName: string | null; duplicate?: boolean };

/** Largest file kept as the raw of a report that could not be read (base64 of the bytes beyond this is cut). */
const MAX_KEPT_BYTES = 4 * 1024 * 1024;
const RECORD_BATCH = 500;

export type StoreReportParams = {
  tenantId: string;
  file: ReportFile;
  source: ReportSource;
  /** Names the reporter of a file that could not be read (the sender's domain for mail). */
  fallbackOrgName?: string | null;
  /** Keep unreadable files with their reason (mail); uploads are refused instead, so false there. */
  keepMalformed: boolean;
};

/** Reads and stores one report file in the caller's transaction. */
export async function storeDmarcReport(tx: Tx, params: StoreReportParams): Promise<StoreReportOutcome> {
  const { tenantId, file } = params;
  const fileName = file.fileName ? file.fileName.slice(0, 255) : null;
  const unpacked = unpackReport(file.bytes);
  let report: AggregateReport | null = null;
  let failure: { reason: string; partial: ReportParseError["partial"] } | null = null;
  if (!unpacked.ok) failure = { reason: unpacked.reason, partial: {} };
  else {
    try {
      report = parseAggregateReport(unpacked.xml);
    } catch (err) {
      if (!(err instanceof ReportParseError)) throw err;
      failure = { reason: err.message, partial: err.partial };
    }
  }

  if (!report) {
    const reason = failure?.reason ?? "The report could not be read.";
    if (!params.keepMalformed) return { status: "malformed", id: null, reason, fileName };
    const digest = createHash("sha256").update(file.bytes).digest("hex");
    const orgName = (failure?.partial.orgName ?? params.fallbackOrgName ?? "unknown reporter").slice(0, 200);
    const reportId = (failure?.partial.reportId ?? `sha256:${digest.slice(0, 40)}`).slice(0, 500);
    const existing = await tx.dmarcReport.findUnique({
      where: { tenantId_orgName_reportId: { tenantId, orgName, reportId } },
      select: { id: true },
    });
    if (existing) return { status: "malformed", id: existing.id, reason, fileName, duplicate: true };
    const text = unpacked.ok;
    const raw = unpacked.ok
      ? unpacked.xml
      : file.bytes.subarray(0, MAX_KEPT_BYTES).toString("base64");
    const created = await tx.dmarcReport.create({
      data: {
        tenantId,
        orgName,
        email: failure?.partial.email?.slice(0, 320) ?? null,
        reportId,
        domain: failure?.partial.domain ?? "",
        raw,
        rawEncoding: text ? "text" : "base64",
        parseError: file.bytes.length > MAX_KEPT_BYTES && !text ? `${reason} (only the first 4 MB of the file is kept)` : reason,
        source: params.source,
        fileName,
      },
      select: { id: true },
    });
    return { status: "malformed", id: created.id, reason, fileName };
  }

  const existing = await tx.dmarcReport.findUnique({
    where: { tenantId_orgName_reportId: { tenantId, orgName: report.orgName, reportId: report.reportId } },
    select: { id: true },
  });
  if (existing) {
    return { status: "duplicate", id: existing.id, orgName: report.orgName, reportId: report.reportId, domain: report.policy.domain };
  }
  const messageCount = report.records.reduce((sum, r) => sum + r.count, 0);
  const created = await tx.dmarcReport.create({
    data: {
      tenantId,
      orgName: report.orgName,
      email: report.email,
      reportId: report.reportId,
      domain: report.policy.domain,
      dateBegin: report.dateBegin,
      dateEnd: report.dateEnd,
      policyJson: JSON.stringify({
        ...report.policy,
        version: report.version,
        generator: report.generator,
        extraContactInfo: report.extraContactInfo,
        errors: report.errors,
      }),
      raw: unpacked.ok ? unpacked.xml : "",
      problemsJson: report.problems.length ? JSON.stringify(report.problems.slice(0, 200)) : null,
      recordCount: report.records.length,
      messageCount,
      source: params.source,
      fileName,
    },
    select: { id: true },
  });
  for (let i = 0; i < report.records.length; i += RECORD_BATCH) {
    await tx.dmarcRecord.createMany({
      data: report.records.slice(i, i + RECORD_BATCH).map((r) => ({
        reportId: created.id,
        sourceIp: r.sourceIp,
        count: r.count,
        disposition: r.disposition,
        dkim: r.dkim,
        spf: r.spf,
        dkimAligned: r.dkimAligned,
        spfAligned: r.spfAligned,
        headerFrom: r.headerFrom,
        envelopeFrom: r.envelopeFrom,
        authJson: JSON.stringify({ ...r.authResults, reasons: r.reasons, envelopeTo: r.envelopeTo }),
      })),
    });
  }
  return {
    status: "stored",
    id: created.id,
    orgName: report.orgName,
    reportId: report.reportId,
    domain: report.policy.domain,
    recordCount: report.records.length,
    messageCount,
  };
}

const REPORT_NAME = /\.(xml|gz|gzip|zip)$/i;
const REPORT_TYPE = /(xml|zip|gzip|octet-stream)/i;

/**
 * The report files a mail to the DMARC-report mailbox carries: attachments that look like reports (by name,
 * content type or magic bytes), else an XML body.
 */
export function reportFilesOfMessage(parsed: Pick<ParsedMessage, "attachments" | "text">): ReportFile[] {
  const files: ReportFile[] = parsed.attachments
    .filter((a) => {
      const b = a.content;
      const magic = (b[0] === 0x1f && b[1] === 0x8b) || (b[0] === 0x50 && b[1] === 0x4b);
      return REPORT_NAME.test(a.filename) || REPORT_TYPE.test(a.contentType) || magic;
    })
    .map((a) => ({ bytes: a.content, fileName: a.filename || null }));
  if (!files.length) {
    const body = parsed.text.trimStart();
    if (body.startsWith("<?xml") || /^<([a-z]+:)?feedback[\s>]/i.test(body)) files.push({ bytes: Buffer.from(body, "utf8"), fileName: null });
  }
  return files;
}

/** One line for the activity log about what a report mail brought. */
export function describeStoredReports(outcomes: StoreReportOutcome[]): string {
  if (!outcomes.length) return "DMARC report mailbox: the message carries no report (no .xml, .xml.gz or .zip attachment, no XML body)";
  return outcomes
    .map((o) => {
      if (o.status === "stored") return `DMARC report ${o.reportId} from ${o.orgName} for ${o.domain} stored (${o.recordCount} records)`;
      if (o.status === "duplicate") return `DMARC report ${o.reportId} from ${o.orgName} already stored`;
      return `DMARC report ${o.fileName ?? "(body)"} could not be read: ${o.reason}${o.duplicate ? " (already kept)" : ""}`;
    })
    .join("; ")
    .slice(0, 1000);
}

/**
 * A mail to the tenant's DMARC-report mailbox (R-X-1): every report it carries is stored (or recognised as a
 * duplicate, or kept as malformed with its reason) in the caller's transaction. Never makes a ticket.
 */
export async function ingestDmarcReportMail(
  tx: Tx,
  params: { tenantId: string; parsed: Pick<ParsedMessage, "attachments" | "text" | "from">; envelopeFrom: string },
): Promise<{ outcomes: StoreReportOutcome[]; reason: string }> {
  const sender = params.parsed.from?.address ?? params.envelopeFrom;
  const fallbackOrgName = sender.includes("@") ? domainOf(sender) : null;
  const outcomes: StoreReportOutcome[] = [];
  for (const file of reportFilesOfMessage(params.parsed)) {
    outcomes.push(await storeDmarcReport(tx, { tenantId: params.tenantId, file, source: "mail", fallbackOrgName, keepMalformed: true }));
  }
  return { outcomes, reason: describeStoredReports(outcomes) };
}
