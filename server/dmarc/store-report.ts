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
 * - Issue 19 item 1: a report's records (up to MAX_REPORT_RECORDS, aggregated) are written in short statements of
 *   RECORD_BATCH rows with the event loop free between them, never in one long transaction: on SQLite a long
 *   transaction holds the process's one connection (and the file's write lock) and better-sqlite3 runs each
 *   statement on the event loop, so SMTP sessions waited seconds behind it; on both databases Prisma's cost of
 *   building a 5,000-row insert held the event loop for over a second. Meanwhile the report row carries
 *   `storingBy` (its writer): not shown, not a duplicate, removed by its writer's retry after a crash.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { createHash } from "node:crypto";
import type { Db, Tx } from "../db/client";
import { newRowId } from "../db/raw-sql";
import { sqlOf } from "../db/sql";
import { TRANSACTION_OPTIONS } from "../db/transactions";
import type { ParsedMessage } from "../mail/parse-message";
import type { AggregatedRecord } from "./aggregate-records";
import { MAX_KEPT_XML_CHARS, readReportFile, type ReadReport } from "./read-report-file";

export type ReportFile = { bytes: Buffer; fileName: string | null };
export type ReportSource = "mail" | "upload";

export type StoreReportOutcome =
  | { status: "stored"; id: string; orgName: string; reportId: string; domain: string; recordCount: number; messageCount: number; truncated?: boolean }
  | { status: "duplicate"; id: string; orgName: string; reportId: string; domain: string }
  | { status: "malformed"; id: string | null; reason: string; fileName: string | null; duplicate?: boolean };

/** Largest file kept as the raw of a report that could not be read (base64 of the bytes beyond this is cut). */
export const MAX_KEPT_BYTES = 4 * 1024 * 1024;
/**
 * Record rows per insert. Measured on the report bomb (5,000 rows, loaded 2-core machine): Prisma's createMany
 * of 500 rows held the event loop 120-660 ms; a 100-row INSERT through Kysely is a few milliseconds.
 */
export const RECORD_BATCH = 100;
/** An unfinished report older than this was left by a writer that died and never came back (the job gave up). */
export const STALE_STORING_MS = 60 * 60 * 1000;

export type StoreReportParams = {
  tenantId: string;
  file: ReportFile;
  source: ReportSource;
  /** Names the reporter of a file that could not be read (the sender's domain for mail). */
  fallbackOrgName?: string | null;
  /** Keep unreadable files with their reason (mail); uploads are refused instead, so false there. */
  keepMalformed: boolean;
};

export type StoreSteps = {
  /** Who writes the report: the report job's id (its retry removes what a crash left), or an upload's token. */
  owner: string;
  /** Runs in the transaction that makes the outcome final (the job closes itself there). */
  onStored?: (tx: Tx, outcome: StoreReportOutcome) => Promise<void>;
  /** Writes one batch of record rows (a test may make it fail; the default is one createMany). */
  writeRecords?: (db: Db, rows: RecordRow[]) => Promise<void>;
};

/** Runs `fn` in a transaction: a short one of its own, or the caller's when there is one. */
type Run = <R>(fn: (tx: Tx) => Promise<R>) => Promise<R>;

/**
 * Reads and stores one report file in the caller's transaction. For small files (tests, seeding): production
 * paths read first, outside any transaction (readReportFile), then call storeReadReport.
 */
export async function storeDmarcReport(tx: Tx, params: StoreReportParams): Promise<StoreReportOutcome> {
  const read = await readReportFile(params.file.bytes);
  return storeWith((fn) => fn(tx), params, read, { owner: "single-transaction" }, (rows) => tx.dmarcRecord.createMany({ data: rows }).then(() => {}));
}

/**
 * Stores a report file already read (readReportFile) in several short transactions (see the file header). A
 * failure removes the unfinished report when it can (best effort: a crash leaves it to the owner's retry).
 */
export async function storeReadReport(db: Db, params: StoreReportParams & { read: ReadReport } & StoreSteps): Promise<StoreReportOutcome> {
  const write = params.writeRecords ?? insertRecords;
  return storeWith((fn) => db.$transaction(fn, TRANSACTION_OPTIONS), params, params.read, params, (rows) => write(db, rows));
}

/**
 * One batch of record rows in one INSERT through the Kysely hot path (server/db/sql.ts): Prisma's createMany cost
 * 1-2 ms of event-loop time per row on the loaded test machine (a 100-row batch held it 150-350 ms).
 */
async function insertRecords(db: Db, rows: RecordRow[]): Promise<void> {
  await sqlOf(db)
    .insertInto("DmarcRecord")
    .values(rows.map((row) => ({ id: newRowId(), ...row })))
    .execute();
}

function mb(chars: number): string {
  return `${(chars / 1024 / 1024).toFixed(1)} MB`;
}

export type RecordRow = { reportId: string } & AggregatedRecord;

/**
 * The report stored under this tenant, reporter and id, if any. What this owner left unfinished (a crash, then
 * this retry) and what a dead writer left long ago are removed first: neither is a report, nor a duplicate.
 */
async function existingReport(tx: Tx, owner: string, key: { tenantId: string; orgName: string; reportId: string }) {
  await tx.dmarcReport.deleteMany({ where: { storingBy: owner } });
  const existing = await tx.dmarcReport.findUnique({ where: { tenantId_orgName_reportId: key }, select: { id: true, storingBy: true, createdAt: true } });
  if (existing?.storingBy && existing.createdAt.getTime() < Date.now() - STALE_STORING_MS) {
    await tx.dmarcReport.delete({ where: { id: existing.id } });
    return null;
  }
  // Another writer still filling it: the same report, already on its way.
  return existing;
}

async function storeWith(run: Run, params: StoreReportParams, read: ReadReport, steps: StoreSteps, writeRows: (rows: RecordRow[]) => Promise<void>): Promise<StoreReportOutcome> {
  const { tenantId, file } = params;
  const fileName = file.fileName ? file.fileName.slice(0, 255) : null;
  const settle = (tx: Tx, outcome: StoreReportOutcome) => (steps.onStored ? steps.onStored(tx, outcome) : Promise.resolve()).then(() => outcome);

  if (!read.ok) {
    const reason = read.reason;
    if (!params.keepMalformed) return run((tx) => settle(tx, { status: "malformed", id: null, reason, fileName }));
    const digest = createHash("sha256").update(file.bytes).digest("hex");
    const orgName = (read.partial.orgName ?? params.fallbackOrgName ?? "unknown reporter").slice(0, 200);
    const reportId = (read.partial.reportId ?? `sha256:${digest.slice(0, 40)}`).slice(0, 500);
    const text = read.xml !== null;
    const raw = read.xml !== null ? read.xml.text : file.bytes.subarray(0, MAX_KEPT_BYTES).toString("base64");
    const cut =
      read.xml !== null
        ? read.xml.chars > MAX_KEPT_XML_CHARS ? ` (only the first ${mb(MAX_KEPT_XML_CHARS)} of its ${mb(read.xml.chars)} of XML is kept)` : ""
        : file.bytes.length > MAX_KEPT_BYTES ? " (only the first 4 MB of the file is kept)" : "";
    return run(async (tx) => {
      const existing = await existingReport(tx, steps.owner, { tenantId, orgName, reportId });
      if (existing) return settle(tx, { status: "malformed", id: existing.id, reason, fileName, duplicate: true });
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
      return settle(tx, { status: "malformed", id: created.id, reason, fileName });
    });
  }

  const report = read.report;
  const key = { tenantId, orgName: report.orgName, reportId: report.reportId };
  const duplicate = (id: string): StoreReportOutcome => ({ status: "duplicate", id, orgName: report.orgName, reportId: report.reportId, domain: report.policy.domain });
  const messageCount = report.messageCount;
  const problems = [...report.problems];
  const keepXml = read.xml.chars <= MAX_KEPT_XML_CHARS;
  if (!keepXml) problems.unshift(`The report's XML (${mb(read.xml.chars)}) is larger than ${mb(MAX_KEPT_XML_CHARS)} and is not kept.`);
  const rows = read.rows;

  // 1. The report row, marked unfinished (or the duplicate found, which is final at once).
  const begun = await run<{ done: StoreReportOutcome } | { id: string }>(async (tx) => {
    const existing = await existingReport(tx, steps.owner, key);
    if (existing) return { done: await settle(tx, duplicate(existing.id)) };
    const created = await tx.dmarcReport.create({
      data: {
        ...key,
        email: report.email,
        domain: report.policy.domain,
        dateBegin: report.dateBegin,
        dateEnd: report.dateEnd,
        policyJson: JSON.stringify({ ...report.policy, version: report.version, generator: report.generator, extraContactInfo: report.extraContactInfo, errors: report.errors }),
        raw: keepXml ? read.xml.text : "",
        problemsJson: problems.length ? JSON.stringify(problems.slice(0, 200)) : null,
        recordCount: report.recordCount,
        messageCount,
        source: params.source,
        fileName,
        storingBy: steps.owner,
      },
      select: { id: true },
    });
    return { id: created.id };
  });
  if ("done" in begun) return begun.done;
  const id = begun.id;

  try {
    // 2. Its records, a batch per statement, other work served between batches.
    for (let i = 0; i < rows.length; i += RECORD_BATCH) {
      await nextTurn();
      await writeRows(rows.slice(i, i + RECORD_BATCH).map((row) => ({ reportId: id, ...row })));
    }
    // 3. Complete: shown from now on, and the caller's outcome (the job closed) in the same transaction.
    const stored: StoreReportOutcome = { status: "stored", id, ...key, domain: report.policy.domain, recordCount: report.recordCount, messageCount, truncated: report.truncated };
    return await run(async (tx) => {
      await tx.dmarcReport.update({ where: { id }, data: { storingBy: null } });
      return settle(tx, stored);
    });
  } catch (err) {
    // Best effort: when the database is back, the owner's retry removes it anyway.
    await run((tx) => tx.dmarcReport.deleteMany({ where: { id, storingBy: steps.owner } })).catch(() => {});
    throw err;
  }
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
