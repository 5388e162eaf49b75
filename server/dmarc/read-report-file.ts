/**
 * R-X-1, issue 19 item 1: one report file's bytes into a report, with bounded work and without holding the event
 * loop or any database transaction: decompression runs on zlib's thread pool (unpack-report.ts), the XML is read a
 * slice at a time and only up to MAX_REPORT_RECORDS records (parse-aggregate-report.ts), which are aggregated into
 * the rows to store (aggregate-records.ts). Storing what was read is store-report.ts's job, in a short transaction
 * of its own. The MTA runs this on a thread of its own (report-reader-thread.ts).
 */
import {
  parseAggregateReportInChunks,
  ReportParseError,
  type AggregateReport,
  type ReadLimits,
} from "./parse-aggregate-report";
import { unpackReport } from "./unpack-report";
import { aggregateRecords, messageCountOf, type AggregatedRecord } from "./aggregate-records";

/**
 * Largest report XML kept as `raw` (issue 19 item 1: bounded stored size per report). Real reports are far
 * smaller; a larger one keeps its records and says that its XML was not kept.
 */
export const MAX_KEPT_XML_CHARS = 2 * 1024 * 1024;

/**
 * The report's XML as far as it may be kept: `text` is at most MAX_KEPT_XML_CHARS of it, `chars` its whole length.
 * Only this much leaves the reader, so a 20 MB report is never copied again after it was read.
 */
export type KeptXml = { text: string; chars: number };

/** The report without its records: how many there were and the messages they stand for. */
export type ReadReportSummary = Omit<AggregateReport, "records"> & { recordCount: number; messageCount: number };

export type ReadReport =
  /** `rows`: the records aggregated (aggregate-records.ts), all that is stored of them. */
  | { ok: true; report: ReadReportSummary; rows: AggregatedRecord[]; xml: KeptXml }
  /** `xml` is the file's text when it was text at all (kept so a person can see what was wrong). */
  | { ok: false; reason: string; partial: ReportParseError["partial"]; xml: KeptXml | null };

const kept = (xml: string): KeptXml => ({
  text: xml.length > MAX_KEPT_XML_CHARS ? xml.slice(0, MAX_KEPT_XML_CHARS) : xml,
  chars: xml.length,
});

/** Never rejects for a bad file: what cannot be read gives `{ ok: false, reason }`. */
export async function readReportFile(bytes: Buffer, limits: ReadLimits = {}): Promise<ReadReport> {
  const unpacked = await unpackReport(bytes);
  if (!unpacked.ok) return { ok: false, reason: unpacked.reason, partial: {}, xml: null };
  let report: AggregateReport;
  try {
    report = await parseAggregateReportInChunks(unpacked.xml, limits);
  } catch (err) {
    if (!(err instanceof ReportParseError)) throw err;
    return { ok: false, reason: err.message, partial: err.partial, xml: kept(unpacked.xml) };
  }
  const { records, ...summary } = report;
  return {
    ok: true,
    report: { ...summary, recordCount: records.length, messageCount: messageCountOf(records) },
    rows: await aggregateRecords(records),
    xml: kept(unpacked.xml),
  };
}
