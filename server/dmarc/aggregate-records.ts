/**
 * A report's records as the rows the overview needs: records that say the same thing (same source, verdicts,
 * identifiers and auth results) become one row with their counts added, so a report that repeats one row
 * thousands of times costs one. Done where the report is read (read-report-file.ts, on the MTA's report thread),
 * so that only the rows cross to the thread that stores them.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { MAX_COUNT, type AggregateRecord } from "./parse-aggregate-report";

export type AggregatedRecord = {
  sourceIp: string;
  count: number;
  disposition: string | null;
  dkim: string;
  spf: string;
  dkimAligned: boolean;
  spfAligned: boolean;
  headerFrom: string | null;
  envelopeFrom: string | null;
  authJson: string;
};

/** In slices, the event loop free between them (5,000 records' JSON is tens of milliseconds on a busy machine). */
export async function aggregateRecords(records: AggregateRecord[]): Promise<AggregatedRecord[]> {
  const rows = new Map<string, AggregatedRecord>();
  for (let i = 0; i < records.length; i++) {
    if (i > 0 && i % 1000 === 0) await nextTurn();
    const r = records[i]!;
    const authJson = JSON.stringify({ ...r.authResults, reasons: r.reasons, envelopeTo: r.envelopeTo });
    const key = JSON.stringify([
      r.sourceIp,
      r.disposition,
      r.dkim,
      r.spf,
      r.dkimAligned,
      r.spfAligned,
      r.headerFrom,
      r.envelopeFrom,
      authJson,
    ]);
    const row = rows.get(key);
    if (row) row.count = Math.min(row.count + r.count, MAX_COUNT);
    else {
      const { sourceIp, count, disposition, dkim, spf, dkimAligned, spfAligned, headerFrom, envelopeFrom } = r;
      rows.set(key, {
        sourceIp,
        count,
        disposition,
        dkim,
        spf,
        dkimAligned,
        spfAligned,
        headerFrom,
        envelopeFrom,
        authJson,
      });
    }
  }
  return [...rows.values()];
}

/** The messages a report's records stand for. */
export function messageCountOf(records: AggregateRecord[]): number {
  return Math.min(
    records.reduce((sum, r) => sum + r.count, 0),
    MAX_COUNT,
  );
}
