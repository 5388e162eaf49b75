/**
 * Issue 15 item 8 (R-X-1): the MTA's report files are read on a thread of their own (report-reader-thread.ts).
 * What comes back is what readReportFile gives in this process, for real-world reports (plain, gzip, zip), for
 * a large one whose XML is only partly kept, and for files that cannot be read; a thread that ends
 * mid-read fails that read, and the next read starts a new one; an idle thread ends.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_KEPT_XML_CHARS, readReportFile } from "../read-report-file";
import { ReportReaderThread } from "../report-reader-thread";
import { buildReportXml } from "./build-report-xml";

const fixtures = path.resolve(import.meta.dirname, "../../../test/fixtures/dmarc");
const fixture = (rel: string) => readFileSync(path.join(fixtures, rel));

/** A report whose XML is longer than what is kept of it (MAX_KEPT_XML_CHARS). */
function largeReportXml(): string {
  const records = Array.from({ length: 12_000 }, (_, i) => ({
    ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
    count: 2,
    headerFrom: "big.example",
  }));
  return buildReportXml({
    orgName: "big.example",
    reportId: "big-1",
    domain: "big.example",
    begin: new Date("2026-12-01T00:00:00Z"),
    records,
  });
}

describe("issue 15 item 8: DMARC report files read on the report reader thread", () => {
  const threads: ReportReaderThread[] = [];
  const thread = (options?: ConstructorParameters<typeof ReportReaderThread>[0]) => {
    const t = new ReportReaderThread(options);
    threads.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(threads.splice(0).map((t) => t.stop()));
  });

  it("R-X-1: plain, gzip and zip reports and unreadable files read exactly as in this process", async () => {
    const reader = thread();
    const xml = fixture("stalwart-mail-auth/003.xml");
    const files = [
      xml,
      gzipSync(xml),
      fixture("parsedmarc/aggregate/estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml.zip"),
      fixture("dmarc-report-converter/test.xml.zip"),
      fixture("parsedmarc/aggregate/rfc9990-example.net!example.com!1700000000!1700086399.xml"),
      Buffer.from("this is not a report"),
      Buffer.from("<feedback><record></record></feedback>"),
      gzipSync(xml).subarray(0, 40),
    ];
    for (const bytes of files) {
      const here = await readReportFile(bytes);
      const there = await reader.read(bytes);
      expect(there).toEqual(here);
    }
    const read = await reader.read(gzipSync(xml));
    if (!read.ok) throw new Error(read.reason);
    expect(read.report.recordCount).toBeGreaterThan(0);
    expect(read.rows.length).toBeGreaterThan(0);
    expect(read.report.dateBegin).toBeInstanceOf(Date);
    expect(read.xml).toEqual({ text: xml.toString("utf8"), chars: xml.toString("utf8").length });
  });

  it("R-X-1: of a large report only MAX_KEPT_XML_CHARS of its XML come back, with its whole length", async () => {
    const xml = largeReportXml();
    expect(xml.length).toBeGreaterThan(MAX_KEPT_XML_CHARS);
    const read = await thread().read(gzipSync(xml));
    if (!read.ok) throw new Error(read.reason);
    expect(read.report.recordCount).toBe(5_000);
    expect(read.report.truncated).toBe(true);
    expect(read.xml.chars).toBe(xml.length);
    expect(read.xml.text).toBe(xml.slice(0, MAX_KEPT_XML_CHARS));
  });

  it("an idle thread ends, and a later read starts it again", async () => {
    const reader = thread({ idleMs: 50 });
    expect(reader.running).toBe(false);
    await reader.read(fixture("stalwart-mail-auth/001.xml"));
    expect(reader.running).toBe(true);
    await expect.poll(() => reader.running, { timeout: 10_000 }).toBe(false);
    expect((await reader.read(fixture("stalwart-mail-auth/001.xml"))).ok).toBe(true);
  });

  it("a thread that ends mid-read fails that read; the next read runs on a new thread", async () => {
    const reader = thread();
    const failed = expect(reader.read(gzipSync(largeReportXml()))).rejects.toThrow(/stopped/);
    await reader.stop();
    await failed;
    expect(reader.running).toBe(false);
    expect((await reader.read(fixture("stalwart-mail-auth/001.xml"))).ok).toBe(true);
    expect(reader.running).toBe(true);
  });
});
