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
import type { ParsedMessage } from "../mail/parse-message";
import type { AggregateReport } from "./parse-aggregate-report";
import { readReportFile, type ReadReport } from "./read-report-file";

export type ReportFile = { bytes: Buffer; fileName: string | null };
export type ReportSource = "mail" | "upload";

export type StoreReportOutcome =
  | { status: "stored"; id: string; orgName: string; reportId: string; domain: string; recordCount: number; messageCount: number; truncated?: boolean }
  | { status: "duplicate"; id: string; orgName: string; reportId: string; domain: string }
  | { status: "malformed"; id: string | null; reason: string; fileName: string | null; duplicate?: boolean };

/** Largest file kept as the raw of a report that could not be read (base64 of the bytes beyond this is cut). */
const MAX_KEPT_BYTES = 4 * 1024 * 1024;
/**
 * Largest report XML kept as `raw` (issue 19 item 1: bounded stored size per report). Real reports are far
 * smaller; a larger one keeps its records and says that its XML was not kept.
 */
export const MAX_KEPT_XML_CHARS = 2 * 1024 * 1024;
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

/**
 * Reads and stores one report file in the caller's transaction. For small files (tests, seeding): production
 * paths read first, outside any transaction (readReportFile), then call storeReadReport.
 */
export async function storeDmarcReport(tx: Tx, params: StoreReportParams): Promise<StoreReportOutcome> {
  return storeReadReport(tx, { ...params, read: await readReportFile(params.file.bytes) });
}

function mb(chars: number): string {
  return `${(chars / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Records that say the same thing (same source, verdicts, identifiers and auth results) stored as one row with
 * their counts added: the overview needs no more, and a report that repeats one row thousands of times costs one.
 */
function aggregateRecords(records: AggregateReport["records"]) {
  const rows = new Map<string, { record: AggregateReport["records"][number]; count: number; authJson: string }>();
  for (const r of records) {
    const authJson = JSON.stringify({ ...r.authResults, reasons: r.reasons, envelopeTo: r.envelopeTo });
    const key = JSON.stringify([r.sourceIp, r.disposition, r.dkim, r.spf, r.dkimAligned, r.spfAligned, r.headerFrom, r.envelopeFrom, authJson]);
    const row = rows.get(key);
    if (row) row.count = Math.min(row.count + r.count, 2_000_000_000);
    else rows.set(key, { record: r, count: r.count, authJson });
  }
  return [...rows.values()];
}

/** Stores a report file already read (readReportFile) in the caller's transaction: a few bounded inserts. */
export async function storeReadReport(tx: Tx, params: StoreReportParams & { read: ReadReport }): Promise<StoreReportOutcome> {
  const { tenantId, file, read } = params;
  const fileName = file.fileName ? file.fileName.slice(0, 255) : null;

  if (!read.ok) {
    const reason = read.reason;
    if (!params.keepMalformed) return { status: "malformed", id: null, reason, fileName };
    const digest = createHash("sha256").update(file.bytes).digest("hex");
    const orgName = (read.partial.orgName ?? params.fallbackOrgName ?? "unknown reporter").slice(0, 200);
    const reportId = (read.partial.reportId ?? `sha256:${digest.slice(0, 40)}`).slice(0, 500);
    const existing = await tx.dmarcReport.findUnique({
      where: { tenantId_orgName_reportId: { tenantId, orgName, reportId } },
      select: { id: true },
    });
    if (existing) return { status: "malformed", id: existing.id, reason, fileName, duplicate: true };
    const text = read.xml !== null;
    const raw = read.xml !== null ? read.xml.slice(0, MAX_KEPT_XML_CHARS) : file.bytes.subarray(0, MAX_KEPT_BYTES).toString("base64");
    const cut =
      read.xml !== null
        ? read.xml.length > MAX_KEPT_XML_CHARS ? ` (only the first ${mb(MAX_KEPT_XML_CHARS)} of its ${mb(read.xml.length)} of XML is kept)` : ""
        : file.bytes.length > MAX_KEPT_BYTES ? " (only the first 4 MB of the file is kept)" : "";
    const created = await tx.dmarcReport.create({
      data: {
        tenantId,
        orgName,
        email: read.partial.email?.slice(0, 320) ?? null,
        reportId,
        domain: read.partial.domain ?? "",
        raw,
        rawEncoding: text ? "text" : "base64",
        parseError: `${reason}${cut}`,
        source: params.source,
        fileName,
      },
      select: { id: true },
    });
    return { status: "malformed", id: created.id, reason, fileName };
  }

  const report = read.report;
  const existing = await tx.dmarcReport.findUnique({
    where: { tenantId_orgName_reportId: { tenantId, orgName: report.orgName, reportId: report.reportId } },
    select: { id: true },
  });
  if (existing) {
    return { status: "duplicate", id: existing.id, orgName: report.orgName, reportId: report.reportId, domain: report.policy.domain };
  }
  const messageCount = Math.min(report.records.reduce((sum, r) => sum + r.count, 0), 2_000_000_000);
  const problems = [...report.problems];
  const keepXml = read.xml.length <= MAX_KEPT_XML_CHARS;
  if (!keepXml) problems.unshift(`The report's XML (${mb(read.xml.length)}) is larger than ${mb(MAX_KEPT_XML_CHARS)} and is not kept.`);
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
      raw: keepXml ? read.xml : "",
      problemsJson: problems.length ? JSON.stringify(problems.slice(0, 200)) : null,
      recordCount: report.records.length,
      messageCount,
      source: params.source,
      fileName,
    },
    select: { id: true },
  });
  const rows = aggregateRecords(report.records);
  for (let i = 0; i < rows.length; i += RECORD_BATCH) {
    await tx.dmarcRecord.createMany({
      data: rows.slice(i, i + RECORD_BATCH).map(({ record: r, count, authJson }) => ({
        reportId: created.id,
        sourceIp: r.sourceIp,
        count,
        disposition: r.disposition,
        dkim: r.dkim,
        spf: r.spf,
        dkimAligned: r.dkimAligned,
        spfAligned: r.spfAligned,
        headerFrom: r.headerFrom,
        envelopeFrom: r.envelopeFrom,
        authJson,
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
    truncated: report.truncated,
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
      if (o.status === "stored") {
        const cut = o.truncated ? `, truncated: more than ${o.recordCount} records, the rest not read` : "";
        return `DMARC report ${o.reportId} from ${o.orgName} for ${o.domain} stored (${o.recordCount} records${cut})`;
      }
      if (o.status === "duplicate") return `DMARC report ${o.reportId} from ${o.orgName} already stored`;
      return `DMARC report ${o.fileName ?? "(body)"} could not be read: ${o.reason}${o.duplicate ? " (already kept)" : ""}`;
    })
    .join("; ")
    .slice(0, 1000);
}
