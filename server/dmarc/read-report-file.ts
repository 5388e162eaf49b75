/**
 * R-X-1, issue 19 item 1: one report file's bytes into a report, with bounded work and without holding the event
 * loop or any database transaction: decompression runs on zlib's thread pool (unpack-report.ts), the XML is read a
 * slice at a time and only up to MAX_REPORT_RECORDS records (parse-aggregate-report.ts). Storing what was read is
 * store-report.ts's job, in a short transaction of its own.
 */
import { parseAggregateReportInChunks, ReportParseError, type AggregateReport, type ReadLimits } from "./parse-aggregate-report";
import { unpackReport } from "./unpack-report";

export type ReadReport =
  | { ok: true; report: AggregateReport; xml: string }
  /** `xml` is the file's text when it was text at all (kept so a person can see what was wrong). */
  | { ok: false; reason: string; partial: ReportParseError["partial"]; xml: string | null };

/** Never rejects for a bad file: what cannot be read gives `{ ok: false, reason }`. */
export async function readReportFile(bytes: Buffer, limits: ReadLimits = {}): Promise<ReadReport> {
  const unpacked = await unpackReport(bytes);
  if (!unpacked.ok) return { ok: false, reason: unpacked.reason, partial: {}, xml: null };
  try {
    return { ok: true, report: await parseAggregateReportInChunks(unpacked.xml, limits), xml: unpacked.xml };
  } catch (err) {
    if (!(err instanceof ReportParseError)) throw err;
    return { ok: false, reason: err.message, partial: err.partial, xml: unpacked.xml };
  }
}
