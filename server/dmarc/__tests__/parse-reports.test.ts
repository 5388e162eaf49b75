/**
 * R-X-1: the real-world aggregate reports of the corpus (test/fixtures/dmarc, ground truth in stalwart's JSON and
 * parsedmarc's transcribed notes) read into the expected reports, from XML, gzip, double gzip, zip and report
 * mails; defective files recovered; unreadable ones refused with a reason, never a throw.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { deflateRawSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseMessage } from "../../mail/parse-message";
import { domainsAlign, organizationalDomain } from "../alignment";
import { parseAggregateReport, ReportParseError, type AggregateReport } from "../parse-aggregate-report";
import { reportFilesOfMessage } from "../store-report";
import { MAX_XML_BYTES, unpackReport } from "../unpack-report";

const fixtures = path.resolve(import.meta.dirname, "../../../test/fixtures/dmarc");
const read = (rel: string) => readFileSync(path.join(fixtures, rel));

async function parseFile(bytes: Buffer): Promise<AggregateReport> {
  const unpacked = await unpackReport(bytes);
  if (!unpacked.ok) throw new Error(unpacked.reason);
  return parseAggregateReport(unpacked.xml);
}

async function parseMail(bytes: Buffer): Promise<AggregateReport> {
  const files = reportFilesOfMessage(await parseMessage(bytes));
  expect(files).toHaveLength(1);
  return parseFile(files[0]!.bytes);
}

type StalwartReport = {
  report_metadata: { org_name: string; email: string; report_id: string; date_range: { begin: number; end: number } };
  policy_published: { domain: string; adkim: string | null; aspf: string | null; p: string; sp: string | null };
  record: {
    row: { source_ip: string; count: number; policy_evaluated: { disposition: string; dkim: string; spf: string } };
    identifiers: { header_from: string; envelope_from: string | null };
    auth_results: { dkim: { domain: string; selector: string | null; result: string }[]; spf: { domain: string; result: string }[] };
  }[];
};

const lower = (s: string | null | undefined) => (s ?? "").toLowerCase();

describe("R-X-1 aggregate reports of the corpus against stalwart mail-auth's expected parse", () => {
  const cases = readdirSync(path.join(fixtures, "stalwart-mail-auth")).filter((f) => f.endsWith(".json"));
  it("covers the ten reports (five XML, five report mails: zip, gzip and octet-stream attachments)", () => {
    expect(cases).toHaveLength(10);
  });

  it.each(cases)("%s", async (jsonName) => {
    const expected = JSON.parse(read(`stalwart-mail-auth/${jsonName}`).toString("utf8")) as StalwartReport;
    const base = jsonName.replace(/\.json$/, "");
    const report = base.startsWith("1")
      ? await parseMail(read(`stalwart-mail-auth/${base}.eml`))
      : await parseFile(read(`stalwart-mail-auth/${base}.xml`));

    const meta = expected.report_metadata;
    expect(report.orgName).toBe(meta.org_name);
    expect(report.email).toBe(meta.email);
    expect(report.reportId).toBe(meta.report_id);
    expect(report.dateBegin?.getTime()).toBe(meta.date_range.begin * 1000);
    expect(report.dateEnd?.getTime()).toBe(meta.date_range.end * 1000);
    expect(report.policy.domain).toBe(expected.policy_published.domain);
    expect(report.policy.p).toBe(lower(expected.policy_published.p));
    // stalwart says "Unspecified" where the report leaves the mode out; DMARC's default is relaxed.
    expect(report.policy.adkim).toBe(lower(expected.policy_published.adkim) === "strict" ? "s" : "r");
    expect(report.policy.aspf).toBe(lower(expected.policy_published.aspf) === "strict" ? "s" : "r");

    // Record counts and message totals.
    expect(report.records).toHaveLength(expected.record.length);
    const total = expected.record.reduce((sum, r) => sum + r.row.count, 0);
    expect(report.records.reduce((sum, r) => sum + r.count, 0)).toBe(total);
    expect(report.problems).toEqual([]);

    for (const [i, e] of expected.record.entries()) {
      const r = report.records[i]!;
      expect(r.sourceIp).toBe(e.row.source_ip);
      expect(r.count).toBe(e.row.count);
      expect(r.disposition).toBe(lower(e.row.policy_evaluated.disposition));
      expect(r.dkim).toBe(lower(e.row.policy_evaluated.dkim) === "pass" ? "pass" : "fail");
      expect(r.spf).toBe(lower(e.row.policy_evaluated.spf) === "pass" ? "pass" : "fail");
      expect(r.headerFrom).toBe(lower(e.identifiers.header_from));
      expect(r.authResults.dkim.map((d) => [d.domain, d.selector, d.result])).toEqual(
        e.auth_results.dkim.map((d) => [lower(d.domain), d.selector || null, lower(d.result)]),
      );
      expect(r.authResults.spf.map((s) => [s.domain, s.result])).toEqual(e.auth_results.spf.map((s) => [lower(s.domain), lower(s.result)]));
    }
  });

  it("computes alignment: 003 (Outlook) has ietf.org DKIM and SPF passes for a stalw.art From — neither aligned", async () => {
    const report = await parseMail(read("stalwart-mail-auth/103.eml"));
    expect(report.records[0]).toMatchObject({ dkimAligned: false, spfAligned: false, dmarcPass: false });
  });
});

describe("R-X-1 parsedmarc samples (expected-notes.json)", () => {
  const aggregate = readdirSync(path.join(fixtures, "parsedmarc/aggregate"));

  it.each(aggregate)("every aggregate sample parses, defective ones included: %s", async (name) => {
    const bytes = read(`parsedmarc/aggregate/${name}`);
    const report = name.endsWith(".eml") ? await parseMail(bytes) : await parseFile(bytes);
    expect(report.policy.domain).toMatch(/\./);
    expect(report.records.length).toBeGreaterThan(0);
  });

  it("the large report has its 2286 records", async () => {
    const report = await parseFile(read("parsedmarc/aggregate/!large-example.com!1711897200!1711983600.xml"));
    expect(report.records).toHaveLength(2286);
  });

  it("the RFC 9990 (DMARCbis namespace) sample gives the transcribed values", async () => {
    const report = await parseFile(read("parsedmarc/aggregate/rfc9990-sample.xml"));
    expect(report).toMatchObject({
      version: "1.0",
      orgName: "Sample Reporter",
      email: "report_sender@example-reporter.com",
      reportId: "3v98abbp8ya9n3va8yr8oa3ya",
      generator: "Example DMARC Aggregate Reporter v1.2",
      policy: { domain: "example.com", p: "quarantine", sp: "none", np: "none", testing: "n", discoveryMethod: "treewalk", adkim: "r", aspf: "r", pct: null, fo: null },
    });
    expect(report.records).toHaveLength(1);
    expect(report.records[0]).toMatchObject({
      sourceIp: "192.0.2.123",
      count: 123,
      disposition: "pass",
      dkim: "pass",
      spf: "fail",
      dkimAligned: true,
      spfAligned: false,
      dmarcPass: true,
      authResults: { dkim: [{ domain: "example.com", selector: "abc123", result: "pass" }], spf: [{ domain: "example.com", result: "fail" }] },
    });
  });

  it("reporter names as parsedmarc reads them", async () => {
    expect((await parseFile(read("parsedmarc/aggregate/protection.outlook.com!example.com!1711756800!1711843200.xml"))).orgName.toLowerCase()).toContain("outlook.com");
    const google = await parseMail(read("parsedmarc/aggregate/Report_domain-_borschow.com_Submitter-_google.com_Report-ID-_949348866075514174.eml"));
    expect(google.orgName).toBe("google.com");
  });

  it("upper-case PASS / None are lower-cased", async () => {
    const report = await parseFile(read("parsedmarc/aggregate_invalid/report_with_upper_cased_pass.xml"));
    expect(report.records[0]).toMatchObject({ dkim: "pass", spf: "pass", disposition: "none" });
    expect(report.records[0]!.authResults.dkim[0]?.result).toBe("pass");
    expect(report.records[0]!.authResults.spf[0]?.result).toBe("pass");
  });

  it("the ikea.com report inside an unclosed <xs:schema> is found", async () => {
    const report = await parseFile(read("parsedmarc/aggregate/ikea.com!example.de!1538690400!1538776800.xml"));
    expect(report).toMatchObject({ orgName: "ikea.com", policy: { domain: "example.de" } });
    expect(report.records).toHaveLength(1);
  });

  it("invalid XML and invalid UTF-8 are recovered", async () => {
    const bad = await parseFile(read("parsedmarc/aggregate/invalid_xml.xml"));
    expect(bad).toMatchObject({ orgName: "veeam.com", reportId: "sonexushealth.com:1530233361" });
    expect(bad.records[0]).toMatchObject({ sourceIp: "199.230.200.36", count: 1 });
    const utf = await parseFile(read("parsedmarc/aggregate/invalid_utf_8.xml"));
    // org_name is empty in this report: it is named after its email address instead.
    expect(utf.orgName).toBe("accurateplastics.com");
    expect(utf.problems[0]).toMatch(/org_name is empty/);
  });

  it("the gzip and zip containers hold exactly nice-input.xml; changed-input.xml differs", async () => {
    const nice = read("parsedmarc/extract_report/nice-input.xml").toString("utf8");
    for (const name of ["nice-input.xml.gz", "nice-input.xml.zip"]) {
      const unpacked = await unpackReport(read(`parsedmarc/extract_report/${name}`));
      expect(unpacked).toMatchObject({ ok: true, xml: nice });
    }
    expect(read("parsedmarc/extract_report/changed-input.xml").toString("utf8")).not.toBe(nice);
  });

  it("the empty file is refused with a reason", async () => {
    expect(await unpackReport(read("parsedmarc/invalid/empty.xml"))).toEqual({ ok: false, reason: "The file is empty." });
  });
});

describe("R-X-1 containers: gzip, gzip twice, zip (dmarc-report-converter) and the viewer's reports", () => {
  it.each([
    ["test.xml.gz", ["gzip", "xml"]],
    ["test.xml.gz.gz", ["gzip", "gzip", "xml"]],
    ["test.xml.zip", ["zip", "xml"]],
  ])("%s", async (name, container) => {
    const unpacked = await unpackReport(read(`dmarc-report-converter/${name}`));
    expect(unpacked.ok && unpacked.container).toEqual(container);
    const report = await parseFile(read(`dmarc-report-converter/${name}`));
    expect(report.orgName).toBe("Test Inc.");
    expect(report.records.length).toBeGreaterThan(0);
  });

  it.each(readdirSync(path.join(fixtures, "dmarc-report-viewer")))("%s parses (namespaced ones included)", async (name) => {
    const report = await parseFile(read(`dmarc-report-viewer/${name}`));
    expect(report.records.length).toBeGreaterThan(0);
    expect(report.records.every((r) => r.count >= 0 && r.sourceIp.length > 0)).toBe(true);
  });
});

describe("R-X-1 malformed files: a reason, never a throw", () => {
  it.each([
    ["not a report", Buffer.from("<html><body>hello</body></html>"), /no <feedback> element/],
    ["plain text", Buffer.from("hello, this is a report"), /not XML, gzip or zip/],
    ["binary", Buffer.from([0, 1, 2, 3, 60, 0]), /not XML, gzip or zip|binary/],
    ["broken gzip", Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]), /gzip data is damaged/],
    ["broken zip", Buffer.from("PK\u0003\u0004 this is not really a zip"), /zip archive is damaged/],
  ])("%s", async (_name, bytes, reason) => {
    const unpacked = await unpackReport(bytes);
    const outcome = unpacked.ok ? (() => {
      try {
        parseAggregateReport(unpacked.xml);
        return "parsed";
      } catch (err) {
        expect(err).toBeInstanceOf(ReportParseError);
        return (err as Error).message;
      }
    })() : unpacked.reason;
    expect(outcome).toMatch(reason);
  });

  it("a report without a domain names what is missing and what it could read", () => {
    try {
      parseAggregateReport("<feedback><report_metadata><org_name>x.example</org_name><report_id>1</report_id></report_metadata></feedback>");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ReportParseError);
      expect((err as ReportParseError).message).toMatch(/names no domain/);
      expect((err as ReportParseError).partial).toMatchObject({ orgName: "x.example", reportId: "1" });
    }
  });

  it("a gzip bomb is refused by size, not read into memory", async () => {
    const bomb = gzipSync(Buffer.alloc(MAX_XML_BYTES + 1024, 0x20));
    const unpacked = await unpackReport(bomb);
    expect(unpacked).toMatchObject({ ok: false });
    expect(!unpacked.ok && unpacked.reason).toMatch(/more than 32 MB/);
  });

  it("a zip whose entry lies about its size is cut at the declared size and refused", async () => {
    const xml = Buffer.from(`<feedback>${" ".repeat(100_000)}</feedback>`);
    const zip = zipOf("r.xml", deflateRawSync(xml), 1000);
    const unpacked = await unpackReport(zip);
    expect(unpacked).toMatchObject({ ok: false });
    expect(!unpacked.ok && unpacked.reason).toMatch(/zip data/);
  });

  it("a record with a bad IP is skipped and named; the rest of the report stands", () => {
    const report = parseAggregateReport(`<?xml version="1.0"?><feedback><report_metadata><org_name>r</org_name><report_id>9</report_id></report_metadata>
      <policy_published><domain>example.com</domain></policy_published>
      <record><row><source_ip>not-an-ip</source_ip><count>3</count></row></record>
      <record><row><source_ip>2001:DB8::1</source_ip><count>2</count></row><identifiers><header_from>example.com</header_from></identifiers>
      <auth_results><spf><domain>mail.example.com</domain><result>pass</result></spf></auth_results></record></feedback>`);
    expect(report.records).toHaveLength(1);
    // No policy_evaluated: the verdict follows the computed alignment (relaxed: mail.example.com aligns).
    expect(report.records[0]).toMatchObject({ sourceIp: "2001:db8::1", count: 2, spfAligned: true, spf: "pass", dkim: "fail", dmarcPass: true });
    expect(report.problems).toEqual(['record 1 skipped: source_ip "not-an-ip" is not an IP address']);
  });
});

describe("R-X-1 alignment (relaxed by Organizational Domain, strict by equality)", () => {
  it.each([
    ["mail.example.com", "example.com", "r", true],
    ["mail.example.com", "example.com", "s", false],
    ["example.com", "example.com", "s", true],
    ["example.co.uk", "other.co.uk", "r", false],
    ["a.example.co.uk", "b.example.co.uk", "r", true],
    ["evil-example.com", "example.com", "r", false],
  ] as const)("%s vs %s (%s) → %s", (a, f, mode, aligned) => {
    expect(domainsAlign(a, f, mode)).toBe(aligned);
  });
  it("uses private suffixes too", () => {
    expect(organizationalDomain("foo.github.io")).toBe("foo.github.io");
  });
});

/** A one-entry zip whose headers declare `declaredSize` as the uncompressed size. */
function zipOf(name: string, deflated: Buffer, declaredSize: number): Buffer {
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(deflated.length, 18);
  local.writeUInt32LE(declaredSize, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(deflated.length, 20);
  central.writeUInt32LE(declaredSize, 24);
  central.writeUInt16LE(n.length, 28);
  central.writeUInt32LE(0, 42);
  const cdOffset = local.length + n.length + deflated.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(central.length + n.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, n, deflated, central, n, eocd]);
}
