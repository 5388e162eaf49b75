/**
 * Issue 19 item 1 (R-X-1) on a real database (SQLite, and PostgreSQL with TEST_POSTGRES_URL): the background reader
 * of queued DMARC report files (process-report-jobs.ts) after failures. A job whose store fails is released at once
 * and retried by the next run (not left locked for its 5-minute lease), and given up after MAX_ATTEMPTS; a reader
 * that stops mid-store (a crash) leaves a report nobody sees, which the retry replaces with the whole report.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appError } from "../../../test/support/app-error";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { createTenant } from "../../tenants/create-tenant";
import type { ParsedMessage } from "../../mail/parse-message";
import { getDmarcReport, listDmarcDomains, listDmarcReports } from "../dmarc-overview";
import { processDmarcReportJobs } from "../process-report-jobs";
import { queueDmarcReportMail } from "../queue-report-mail";
import { RECORD_BATCH, storeReadReport } from "../store-report";
import { buildReportXml } from "./build-report-xml";

const RECORDS = RECORD_BATCH * 2 + 50;

function reportMail(reportId: string): Pick<ParsedMessage, "attachments" | "text" | "from"> {
  const records = Array.from({ length: RECORDS }, (_, i) => ({ ip: `10.0.${i >> 8}.${i & 255}`, count: 1 }));
  const xml = buildReportXml({ orgName: "jobs.example", reportId, domain: "jobs.example", begin: new Date(Date.now() - 86_400_000), records });
  return { attachments: [{ filename: `${reportId}.xml`, contentType: "text/xml", content: Buffer.from(xml) }], text: "", from: null } as unknown as Pick<
    ParsedMessage,
    "attachments" | "text" | "from"
  >;
}

describe.each(testProviders())("DMARC report jobs after failures on %s", (provider) => {
  let t: TestDatabase;
  let tenantId: string;

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantId = (await createTenant(t.db, { slug: "jobs", name: "Jobs MSP" })).id;
  });
  afterAll(async () => {
    await t?.drop();
  });

  async function queue(reportId: string): Promise<string> {
    const queued = await t.db.$transaction((tx) => queueDmarcReportMail(tx, { tenantId, parsed: reportMail(reportId), envelopeFrom: "dmarc@jobs.example", now: new Date() }));
    expect(queued.jobIds).toHaveLength(1);
    return queued.jobIds[0]!;
  }

  const later = (ms: number) => () => new Date(Date.now() + ms);

  it("issue 19 item 1: a job whose store fails is released and retried by the next run (5 s later), not locked for its lease; given up after 3 failures", async () => {
    const jobId = await queue("fails-once");
    let calls = 0;
    const failingOnce: typeof storeReadReport = (db, params) => {
      calls++;
      // As a busy SQLite file or a lost PostgreSQL connection would, after the report row was begun.
      return storeReadReport(db, { ...params, writeRecords: async () => Promise.reject(new Error("database is busy (simulated)")) });
    };
    await expect(processDmarcReportJobs(t.db, { deps: { storeReadReport: failingOnce } })).rejects.toThrow(/simulated/);
    expect(calls).toBe(1);
    const failed = await t.db.dmarcReportJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(failed).toMatchObject({ state: "PENDING", attempts: 1 });
    // Nothing half-stored is left behind.
    expect(await t.db.dmarcReport.count({ where: { tenantId, reportId: "fails-once" } })).toBe(0);

    // The MTA's next run, 5 seconds later, takes it again and stores it.
    expect(await processDmarcReportJobs(t.db, { now: later(5_000) })).toBe(1);
    const done = await t.db.dmarcReportJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(done).toMatchObject({ state: "DONE", attempts: 2 });
    expect(done.result).toMatch(/DMARC report fails-once from jobs.example for jobs.example stored \(250 records\)/);
    const report = await t.db.dmarcReport.findFirstOrThrow({ where: { tenantId, reportId: "fails-once" }, include: { _count: { select: { records: true } } } });
    expect({ storingBy: report.storingBy, records: report._count.records }).toEqual({ storingBy: null, records: RECORDS });

    // A file that always fails is tried MAX_ATTEMPTS (3) times, each run retrying at once, then given up.
    const hopeless = await queue("always-fails");
    const alwaysFailing: typeof storeReadReport = (db, params) => storeReadReport(db, { ...params, writeRecords: () => Promise.reject(new Error("lost connection (simulated)")) });
    for (let run = 1; run <= 3; run++) {
      await expect(processDmarcReportJobs(t.db, { now: later(run * 5_000), deps: { storeReadReport: alwaysFailing } })).rejects.toThrow(/simulated/);
    }
    expect(await processDmarcReportJobs(t.db, { now: later(20_000), deps: { storeReadReport: alwaysFailing } })).toBe(1);
    const givenUp = await t.db.dmarcReportJob.findUniqueOrThrow({ where: { id: hopeless } });
    expect(givenUp).toMatchObject({ state: "DONE", attempts: 4 });
    expect(givenUp.result).toMatch(/failed 3 times and was given up/);
    expect(await t.db.dmarcReport.count({ where: { tenantId, reportId: "always-fails" } })).toBe(0);
  });

  it("issue 19 item 1: a reader that stops mid-store leaves a report nobody sees; the retry stores it whole, not as a duplicate", async () => {
    const jobId = await queue("crash-mid-store");
    let batches = 0;
    let stalled!: () => void;
    const reachedStall = new Promise<void>((resolve) => (stalled = resolve));
    // The process "dies" during its second batch of records: that write never ends and nothing after it runs.
    const dying: typeof storeReadReport = (db, params) =>
      storeReadReport(db, {
        ...params,
        writeRecords: async (d, rows) => {
          if (++batches === 2) {
            stalled();
            return new Promise<void>(() => {});
          }
          await d.dmarcRecord.createMany({ data: rows });
        },
      });
    void processDmarcReportJobs(t.db, { deps: { storeReadReport: dying } });
    await reachedStall;

    const half = await t.db.dmarcReport.findFirstOrThrow({ where: { tenantId, reportId: "crash-mid-store" }, include: { _count: { select: { records: true } } } });
    expect({ storingBy: half.storingBy, records: half._count.records }).toEqual({ storingBy: jobId, records: RECORD_BATCH });
    // Not shown anywhere while unfinished.
    const list = await listDmarcReports(t.db, { tenantId, domain: "jobs.example", period: "all" });
    expect(list.reports.map((r) => r.reportId)).not.toContain("crash-mid-store");
    expect(await appError(getDmarcReport(t.db, { tenantId, id: half.id }))).toMatchObject({ code: "NOT_FOUND" });

    // After the lease (5 minutes) another process takes the job: the unfinished report is replaced by the whole one.
    expect(await processDmarcReportJobs(t.db, { now: later(6 * 60_000) })).toBe(1);
    const job = await t.db.dmarcReportJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(job.result).toMatch(/DMARC report crash-mid-store from jobs.example for jobs.example stored \(250 records\)/);
    const reports = await t.db.dmarcReport.findMany({ where: { tenantId, reportId: "crash-mid-store" }, include: { _count: { select: { records: true } } } });
    expect(reports.map((r) => ({ storingBy: r.storingBy, records: r._count.records, recordCount: r.recordCount }))).toEqual([
      { storingBy: null, records: RECORDS, recordCount: RECORDS },
    ]);
    expect((await listDmarcReports(t.db, { tenantId, domain: "jobs.example", period: "all" })).reports.map((r) => r.reportId)).toContain("crash-mid-store");
    expect((await listDmarcDomains(t.db, tenantId)).find((d) => d.domain === "jobs.example")?.reports).toBe(2);
  });
});
