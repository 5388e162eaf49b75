/**
 * R-STS-3: TLS-RPT reports (RFC 8460) parsed from the corpus (test/fixtures/tlsrpt, see SOURCES.md), stored once,
 * kept with a reason when unreadable, and summarised per day with the clean-week recommendation. The database
 * tests run on SQLite and PostgreSQL.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { parseMessage } from "../../mail/parse-message";
import { createTenant } from "../../tenants/create-tenant";
import { setMtaStsMode } from "../../mta-sts/manage-mta-sts";
import { ingestTlsReportMail, isAuthenticatedReportMail, tlsReportParts } from "../ingest-tls-report-mail";
import { parseTlsReport, type TlsReportData } from "../parse-tls-report";
import { receiveTlsReportPost, TLS_REPORT_POST_LIMIT } from "../receive-tls-report-post";
import { storeTlsReport, UNREADABLE_ORG } from "../store-tls-report";
import { cleanStreak, summariseTlsReports } from "../summarise-tls-reports";

const dir = path.resolve(import.meta.dirname, "../../../test/fixtures/tlsrpt");
const fixture = (name: string) => readFileSync(path.join(dir, name));

function parsedOk(bytes: Buffer): TlsReportData {
  const parsed = parseTlsReport(bytes);
  if (!parsed.ok) throw new Error(`expected a report, got: ${parsed.reason}`);
  return parsed.report;
}

/** Every JSON report in the corpus with the totals read by hand from the file. */
const corpus: {
  file: string;
  org: string;
  success: number;
  failure: number;
  types: Record<string, number>;
  domain: string | null;
}[] = [
  {
    file: "dmarc-report-viewer/google.json",
    org: "Google Inc.",
    success: 1,
    failure: 0,
    types: {},
    domain: "foo-bar.io",
  },
  {
    file: "dmarc-report-viewer/microsoft.json",
    org: "Microsoft Corporation",
    success: 4,
    failure: 0,
    types: {},
    domain: "random.net",
  },
  {
    file: "dmarc-report-viewer/no-contact.json",
    org: "server.com",
    success: 1,
    failure: 0,
    types: {},
    domain: "server.com",
  },
  {
    file: "dmarc-report-viewer/no-policy.json",
    org: "Google Inc.",
    success: 1,
    failure: 0,
    types: {},
    domain: "foo-bar.io",
  },
  {
    file: "dmarc-report-viewer/no_ip_and_mx.json",
    org: "Microsoft Corporation",
    success: 0,
    failure: 3,
    types: { "sts-policy-fetch-error": 3 },
    domain: "xxxxxxxx.xx",
  },
  {
    file: "dmarc-report-viewer/rfc-example.json",
    org: "Company-X",
    success: 5326,
    failure: 303,
    types: { "certificate-expired": 100, "starttls-not-supported": 200, "validation-failure": 3 },
    domain: "company-y.example",
  },
  // The summary counts 1 failed session; the details list 2 failures (different reason codes): both kept as given.
  {
    file: "parsedmarc/mail.ru.json",
    org: "Mail.ru",
    success: 0,
    failure: 1,
    types: { "sts-policy-fetch-error": 2 },
    domain: "example.com",
  },
  {
    file: "parsedmarc/rfc8460.json",
    org: "Company-X",
    success: 5326,
    failure: 303,
    types: { "certificate-expired": 100, "starttls-not-supported": 200, "validation-failure": 3 },
    domain: "company-y.example",
  },
  {
    file: "parsedmarc/smtp_tls.json",
    org: "Example Inc.",
    success: 0,
    failure: 3,
    types: { "validation-failure": 3 },
    domain: "example.com",
  },
  {
    file: "stalwart-mail-auth/rpt01.json",
    org: "Company-X",
    success: 5326,
    failure: 303,
    types: { "certificate-expired": 100, "starttls-not-supported": 200, "validation-failure": 3 },
    domain: "company-y.example",
  },
  {
    file: "stalwart-mail-auth/rpt02.json",
    org: "Google Inc.",
    success: 23,
    failure: 1,
    types: { "certificate-host-mismatch": 1 },
    domain: "example.com",
  },
  // Two policies without a domain and without a failure total.
  { file: "stalwart-mail-auth/rpt03.json", org: "Google Inc.", success: 2, failure: 0, types: {}, domain: null },
];

describe("R-STS-3 parsing TLS-RPT reports", () => {
  it.each(corpus)(
    "reads $file: organisation, sessions, failure types",
    ({ file, org, success, failure, types, domain }) => {
      const r = parsedOk(fixture(file));
      expect(r).toMatchObject({
        orgName: org,
        successCount: success,
        failureCount: failure,
        failureTypes: types,
        policyDomain: domain,
      });
      expect(r.dateBegin.getTime()).toBeLessThan(r.dateEnd.getTime());
      // gzip gives the same result as plain JSON.
      expect(parsedOk(gzipSync(fixture(file)))).toEqual(r);
    },
  );

  it("reads the details reporters vary on: mx-host as string or array, null contact, missing summary total", () => {
    const rfc = parsedOk(fixture("parsedmarc/rfc8460.json"));
    expect(rfc.policies[0]!.mxHost).toEqual(["*.mail.company-y.example"]);
    expect(rfc.contactInfo).toBe("sts-reporting@company-x.example");
    expect(rfc.policies[0]!.failureDetails[2]).toMatchObject({
      resultType: "validation-failure",
      count: 3,
      sendingMtaIp: "198.51.100.62",
      receivingIp: "203.0.113.58",
      receivingMxHostname: "mx-backup.mail.company-y.example",
      failureReasonCode: "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED",
    });
    expect(parsedOk(fixture("stalwart-mail-auth/rpt01.json")).policies[0]!.mxHost).toEqual([
      "*.mail.company-y.example",
    ]);
    expect(parsedOk(fixture("dmarc-report-viewer/no-contact.json")).contactInfo).toBeNull();
    const ms = parsedOk(fixture("dmarc-report-viewer/microsoft.json"));
    expect(ms.policies.map((p) => p.policyType)).toEqual(["sts", "tlsa"]);
    expect(parsedOk(fixture("stalwart-mail-auth/rpt03.json")).policies.map((p) => p.policyType)).toEqual([
      "no-policy-found",
      "invalid-policy-type",
    ]);
  });

  it("finds the report in the mail fixtures: gzip (application/tlsrpt+gzip), plain (application/tlsrpt) and Google's", async () => {
    for (const name of ["rpt01", "rpt02"]) {
      const message = await parseMessage(fixture(`stalwart-mail-auth/${name}.eml`));
      const parts = tlsReportParts(message);
      expect(parts).toHaveLength(1);
      // The corpus ground truth: the attached report equals the JSON file.
      expect(parsedOk(parts[0]!)).toEqual(parsedOk(fixture(`stalwart-mail-auth/${name}.json`)));
    }
    const google = await parseMessage(fixture("parsedmarc/google.com_smtp_tls_report.eml"));
    const parts = tlsReportParts(google);
    expect(parts).toHaveLength(1);
    expect(parts[0]![0]).toBe(0x1f);
    const report = parsedOk(parts[0]!);
    expect(report).toMatchObject({ orgName: "Google Inc.", policyDomain: "cardinalhealth.ca" });
    expect(report.reportId).toMatch(/cardinalhealth\.ca/);
  });

  it("names what is wrong with an unreadable report, never throws", () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.from("this is not json"), /^not JSON/],
      [Buffer.from("[1,2,3]"), /not a report object/],
      [Buffer.from(JSON.stringify({ "report-id": "x", policies: [] })), /organization-name is missing/],
      [Buffer.from(JSON.stringify({ "organization-name": "A", policies: [] })), /report-id is missing/],
      [Buffer.from(JSON.stringify({ "organization-name": "A", "report-id": "x", policies: [] })), /date-range/],
      [
        Buffer.from(
          JSON.stringify({
            "organization-name": "A",
            "report-id": "x",
            "date-range": { "start-datetime": "2024-01-01T00:00:00Z", "end-datetime": "2024-01-01T23:59:59Z" },
            policies: [{ summary: {} }],
          }),
        ),
        /policies\[0\] has no policy block/,
      ],
      [Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03]), /gzip data is damaged/],
      [Buffer.alloc(0), /^not JSON/],
    ];
    for (const [bytes, reason] of cases) {
      const parsed = parseTlsReport(bytes);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toMatch(reason);
    }
    // A gzip bomb stops at the limit instead of filling memory.
    const bomb = gzipSync(Buffer.alloc(6 * 1024 * 1024, 0x20));
    const parsed = parseTlsReport(bomb);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(/larger than 1 MB uncompressed/);
    // Issue 19 item 1: the size cap applies before JSON.parse, gzip or not (1 MB, the HTTPS endpoint's limit).
    const plain = parseTlsReport(Buffer.from(JSON.stringify({ "organization-name": "big.example", padding: "x".repeat(1024 * 1024) })));
    expect(plain.ok === false && plain.reason).toMatch(/larger than 1 MB$/);
  });

  it("clean streak: consecutive clean days ending at a recent latest day", () => {
    const now = new Date("2026-03-10T12:00:00Z");
    const days = (from: number, to: number, failureOn: number[] = []) =>
      Array.from({ length: to - from + 1 }, (_, i) => ({
        day: `2026-03-${String(from + i).padStart(2, "0")}`,
        failureCount: failureOn.includes(from + i) ? 2 : 0,
      }));
    expect(cleanStreak(days(3, 9), now)).toBe(7);
    expect(cleanStreak(days(1, 9, [2]), now)).toBe(7);
    expect(cleanStreak(days(1, 9, [5]), now)).toBe(4);
    expect(cleanStreak(days(1, 9, [9]), now)).toBe(0);
    // A missing day breaks the streak; a latest day older than two days does not count.
    expect(cleanStreak([...days(1, 4), ...days(6, 9)], now)).toBe(4);
    expect(cleanStreak(days(1, 7), now)).toBe(0);
    expect(cleanStreak([], now)).toBe(0);
  });
});

describe.each(testProviders())("R-STS-3 storing and summarising TLS reports on %s", (provider) => {
  let t: TestDatabase;
  let tenantId: string;
  let otherTenantId: string;

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantId = (await createTenant(t.db, { slug: "tls-one", name: "One MSP" })).id;
    otherTenantId = (await createTenant(t.db, { slug: "tls-two", name: "Two MSP" })).id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it("stores every corpus report; the same organisation + report-id is stored once, by mail or HTTPS, gzip or not", async () => {
    const files = corpus.map((c) => c.file);
    const results = [];
    for (const file of files)
      results.push(await storeTlsReport(t.db, { tenantId, bytes: fixture(file), source: "EMAIL" }));
    // rfc8460.json, rpt01.json and rfc-example.json are one report (Company-X 5065427c…): stored once.
    expect(results.filter((r) => r.status === "stored")).toHaveLength(10);
    expect(results.filter((r) => r.status === "duplicate")).toHaveLength(2);
    expect(await t.db.tlsReport.count({ where: { tenantId } })).toBe(10);

    const again = await storeTlsReport(t.db, {
      tenantId,
      bytes: gzipSync(fixture("parsedmarc/smtp_tls.json")),
      source: "HTTPS",
    });
    expect(again.status).toBe("duplicate");
    // Concurrent deliveries of one report (two MTA nodes): one row.
    const twice = await Promise.all(
      [0, 1, 2].map(() =>
        storeTlsReport(t.db, { tenantId, bytes: fixture("stalwart-mail-auth/rpt02.json"), source: "EMAIL" }),
      ),
    );
    expect(twice.every((r) => r.status === "duplicate")).toBe(true);
    expect(await t.db.tlsReport.count({ where: { tenantId } })).toBe(10);

    // Another tenant's copy is that tenant's own.
    expect(
      (
        await storeTlsReport(t.db, {
          tenantId: otherTenantId,
          bytes: fixture("parsedmarc/smtp_tls.json"),
          source: "EMAIL",
        })
      ).status,
    ).toBe("stored");
    const row = await t.db.tlsReport.findFirstOrThrow({ where: { tenantId, orgName: "Example Inc." } });
    expect(row).toMatchObject({
      successCount: 0,
      failureCount: 3,
      policyDomain: "example.com",
      contactInfo: "smtp-tls-reporting@example.com",
      parseError: null,
    });
    expect(JSON.parse(row.detailsJson!)).toMatchObject({ failureTypes: { "validation-failure": 3 } });
  });

  it("issue 19 item 1: a large report by mail is read within caps: 100 policies, 1,000 failure details kept, every failure counted, and it says so", async () => {
    const detail = (i: number) => ({ "result-type": i % 2 ? "certificate-expired" : "validation-failure", "sending-mta-ip": `192.0.2.${i % 250}`, "failed-session-count": 2 });
    const policy = (n: number, details: number) => ({
      policy: { "policy-type": "sts", "policy-domain": "big.example" },
      summary: { "total-successful-session-count": 1, "total-failure-session-count": details * 2 },
      "failure-details": Array.from({ length: details }, (_, i) => detail(n + i)),
    });
    const report = {
      "organization-name": "Big Reporter",
      "date-range": { "start-datetime": "2026-11-01T00:00:00Z", "end-datetime": "2026-11-01T23:59:59Z" },
      "report-id": "big-1",
      policies: [policy(0, 3_000), ...Array.from({ length: 149 }, (_, i) => policy(i, 1))],
    };
    const json = Buffer.from(JSON.stringify(report));
    expect(json.length).toBeLessThan(1024 * 1024);
    const [result] = await ingestTlsReportMail(t.db, {
      tenantId,
      attachments: [{ filename: "big.json.gz", contentType: "application/tlsrpt+gzip", content: gzipSync(json) }],
      text: "",
      raw: json,
      authenticated: true,
    });
    expect(result).toMatchObject({ status: "stored", orgName: "Big Reporter" });
    const row = await t.db.tlsReport.findFirstOrThrow({ where: { tenantId, reportId: "big-1" } });
    const details = JSON.parse(row.detailsJson!) as { failureTypes: Record<string, number>; policies: { failureDetails: unknown[] }[]; truncated?: string };
    expect(details.policies).toHaveLength(100);
    expect(details.policies.reduce((n, p) => n + p.failureDetails.length, 0)).toBe(1_000);
    // Counted over every detail read (3,000 + 99), kept or not.
    expect(Object.values(details.failureTypes).reduce((a, b) => a + b, 0)).toBe((3_000 + 99) * 2);
    expect(row.failureCount).toBe((3_000 + 99) * 2);
    expect(details.truncated).toMatch(/only the first 100 of its 150 policies were read; 2099 failure details beyond the first 1000 are counted but not kept/);
  });

  it("keeps an unreadable report with its reason, once", async () => {
    const bytes = Buffer.from('{"organization-name": "Broken", "report-id": ');
    const first = await storeTlsReport(t.db, { tenantId: otherTenantId, bytes, source: "HTTPS" });
    expect(first).toMatchObject({ status: "unreadable", duplicate: false });
    expect(first.status === "unreadable" && first.reason).toMatch(/^not JSON/);
    const second = await storeTlsReport(t.db, { tenantId: otherTenantId, bytes, source: "HTTPS" });
    expect(second).toMatchObject({ status: "unreadable", duplicate: true, id: first.id });
    const rows = await t.db.tlsReport.findMany({ where: { tenantId: otherTenantId, orgName: UNREADABLE_ORG } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ raw: bytes.toString(), source: "HTTPS" });
    expect(rows[0]!.parseError).toMatch(/^not JSON/);

    // Damaged gzip is kept as base64.
    const gz = await storeTlsReport(t.db, {
      tenantId: otherTenantId,
      bytes: Buffer.from([0x1f, 0x8b, 1, 2, 3]),
      source: "EMAIL",
    });
    expect(gz.status).toBe("unreadable");
    expect((await t.db.tlsReport.findUniqueOrThrow({ where: { id: gz.id } })).raw).toMatch(/^base64:/);
  });

  it("ingests a report mail through the same parser; a mail without a report is kept as unreadable", async () => {
    const slug = "tls-mail";
    const id = (await createTenant(t.db, { slug, name: "Mail MSP" })).id;
    const raw = fixture("stalwart-mail-auth/rpt01.eml");
    const message = await parseMessage(raw);
    const results = await ingestTlsReportMail(t.db, {
      tenantId: id,
      attachments: message.attachments,
      text: message.text,
      raw,
      authenticated: true,
    });
    expect(results).toEqual([expect.objectContaining({ status: "stored", orgName: "Company-X" })]);
    const plain = Buffer.from("From: a@b.example\r\nTo: tls-reports@x\r\nSubject: hello\r\n\r\nJust saying hi.\r\n");
    const none = await ingestTlsReportMail(t.db, {
      tenantId: id,
      attachments: [],
      text: "Just saying hi.",
      raw: plain,
      authenticated: false,
    });
    expect(none).toHaveLength(1);
    expect(none[0]!.status === "unreadable" && none[0]!.reason).toMatch(/no TLS report/);
  });

  it("the HTTPS endpoint's rules: 201 stored, 200 again, 400 unreadable (kept), 404 unknown tenant, 415 wrong type", async () => {
    await createTenant(t.db, { slug: "tls-post", name: "Post MSP" });
    const body = gzipSync(fixture("dmarc-report-viewer/google.json"));
    const post = (contentType: string | null, b = body, slug = "tls-post") =>
      receiveTlsReportPost(t.db, { slug, contentType, body: b, sourceIp: "192.0.2.10" });
    expect((await post("application/tlsrpt+gzip")).status).toBe(201);
    expect((await post("application/tlsrpt+gzip")).status).toBe(200);
    expect((await post("application/tlsrpt+json", fixture("dmarc-report-viewer/google.json"))).status).toBe(200);
    expect((await post("application/tlsrpt+json; charset=utf-8", Buffer.from("{oops"))).status).toBe(400);
    expect((await post("text/html")).status).toBe(415);
    expect((await post(null)).status).toBe(415);
    expect((await post("application/tlsrpt+gzip", body, "no-such-tenant")).status).toBe(404);
    const tenant = await t.db.tenant.findUniqueOrThrow({ where: { slug: "tls-post" } });
    const rows = await t.db.tlsReport.findMany({ where: { tenantId: tenant.id }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => [r.source, r.parseError === null])).toEqual([
      ["HTTPS", true],
      ["HTTPS", false],
    ]);
  });

  it("summarises per day: sessions, failure types, organisations; recommends enforce after a clean week in testing", async () => {
    const id = (await createTenant(t.db, { slug: "tls-sum", name: "Sum MSP" })).id;
    const now = new Date("2026-03-10T09:00:00Z");
    const report = (org: string, day: string, success: number, failures: Record<string, number> = {}) =>
      Buffer.from(
        JSON.stringify({
          "organization-name": org,
          "report-id": `${day}_${org}`,
          "date-range": { "start-datetime": `${day}T00:00:00Z`, "end-datetime": `${day}T23:59:59Z` },
          "contact-info": "tls@reporter.example",
          policies: [
            {
              policy: { "policy-type": "sts", "policy-domain": "tls-sum.in.test.local" },
              summary: {
                "total-successful-session-count": success,
                "total-failure-session-count": Object.values(failures).reduce((a, b) => a + b, 0),
              },
              "failure-details": Object.entries(failures).map(([type, n]) => ({
                "result-type": type,
                "failed-session-count": n,
              })),
            },
          ],
        }),
      );
    const empty = await summariseTlsReports(t.db, { tenantId: id, now });
    expect(empty).toMatchObject({ days: [], totals: { reports: 0 }, recommendEnforce: false, lastReceivedAt: null });

    // A failing day, then seven clean days (03-03 … 03-09) from two organisations.
    await storeTlsReport(t.db, {
      tenantId: id,
      bytes: report("Google Inc.", "2026-03-02", 10, { "certificate-expired": 4, "starttls-not-supported": 1 }),
      source: "EMAIL",
      authenticated: true,
    });
    for (let d = 3; d <= 9; d++) {
      const day = `2026-03-0${d}`;
      await storeTlsReport(t.db, {
        tenantId: id,
        bytes: report("Google Inc.", day, 20),
        source: "EMAIL",
        authenticated: true,
      });
      if (d % 2)
        await storeTlsReport(t.db, { tenantId: id, bytes: report("Microsoft Corporation", day, 5), source: "HTTPS" });
    }
    await storeTlsReport(t.db, { tenantId: id, bytes: Buffer.from("garbage"), source: "EMAIL" });

    const summary = await summariseTlsReports(t.db, { tenantId: id, now });
    expect(summary.days.map((d) => d.day)).toEqual([
      "2026-03-09",
      "2026-03-08",
      "2026-03-07",
      "2026-03-06",
      "2026-03-05",
      "2026-03-04",
      "2026-03-03",
      "2026-03-02",
    ]);
    expect(summary.days[0]).toMatchObject({
      reports: 2,
      successCount: 25,
      failureCount: 0,
      organisations: ["Google Inc.", "Microsoft Corporation"],
    });
    expect(summary.days.at(-1)).toMatchObject({
      reports: 1,
      successCount: 10,
      failureCount: 5,
      failureTypes: [
        { type: "certificate-expired", count: 4 },
        { type: "starttls-not-supported", count: 1 },
      ],
      organisations: ["Google Inc."],
    });
    expect(summary.totals).toEqual({
      reports: 12,
      unauthenticatedReports: 4,
      successCount: 10 + 7 * 20 + 4 * 5,
      failureCount: 5,
    });
    expect(summary.organisations.map((o) => [o.name, o.reports])).toEqual([
      ["Google Inc.", 8],
      ["Microsoft Corporation", 4],
    ]);
    expect(summary.unreadable).toHaveLength(1);
    expect(summary.unreadable[0]!.reason).toMatch(/^not JSON/);
    expect(summary).toMatchObject({ cleanStreakDays: 7, mode: "testing", recommendEnforce: true });

    // Already enforcing: nothing to recommend. A failure on the latest day resets the streak.
    await setMtaStsMode(t.db, { tenantId: id, userId: null, mode: "enforce" });
    expect(await summariseTlsReports(t.db, { tenantId: id, now })).toMatchObject({
      cleanStreakDays: 7,
      recommendEnforce: false,
    });
    await setMtaStsMode(t.db, { tenantId: id, userId: null, mode: "testing" });
    await storeTlsReport(t.db, {
      tenantId: id,
      bytes: report("Yahoo", "2026-03-09", 1, { "validation-failure": 1 }),
      source: "EMAIL",
      authenticated: true,
    });
    expect(await summariseTlsReports(t.db, { tenantId: id, now })).toMatchObject({
      cleanStreakDays: 0,
      recommendEnforce: false,
    });
    // Another tenant sees none of it.
    expect((await summariseTlsReports(t.db, { tenantId: otherTenantId, now })).days).toEqual([]);
  });

  /** A one-day report with the given counts, as a reporter would send it. */
  const dayReport = (org: string, day: string, success: number, failed = 0, id = `${day}_${org}`) =>
    Buffer.from(
      JSON.stringify({
        "organization-name": org,
        "report-id": id,
        "date-range": { "start-datetime": `${day}T00:00:00Z`, "end-datetime": `${day}T23:59:59Z` },
        "contact-info": "tls@reporter.example",
        policies: [
          {
            policy: { "policy-type": "sts", "policy-domain": "x.in.test.local" },
            summary: { "total-successful-session-count": success, "total-failure-session-count": failed },
            "failure-details": failed ? [{ "result-type": "validation-failure", "failed-session-count": failed }] : [],
          },
        ],
      }),
    );

  it("issue 19 item 11: forged POSTs (999,999 successful sessions a day) are marked unauthenticated and never make the enforce recommendation", async () => {
    const id = (await createTenant(t.db, { slug: "tls-forged", name: "Forged MSP" })).id;
    const now = new Date("2026-03-10T09:00:00Z");
    for (let d = 3; d <= 9; d++) {
      const result = await receiveTlsReportPost(t.db, {
        slug: "tls-forged",
        contentType: "application/tlsrpt+json",
        body: dayReport("Totally Google", `2026-03-0${d}`, 999_999),
        sourceIp: `198.51.100.${d}`,
      });
      expect(result.status).toBe(201);
    }
    // Mail without a verified DKIM signature is no better.
    await storeTlsReport(t.db, { tenantId: id, bytes: dayReport("Mailer", "2026-03-09", 5), source: "EMAIL", authenticated: false });
    const forged = await summariseTlsReports(t.db, { tenantId: id, now });
    expect(forged.totals).toMatchObject({ reports: 8, unauthenticatedReports: 8 });
    expect(forged.days[0]).toMatchObject({ day: "2026-03-09", reports: 2, unauthenticatedReports: 2 });
    expect(forged.organisations.find((o) => o.name === "Totally Google")).toMatchObject({ reports: 7, unauthenticatedReports: 7 });
    expect(forged).toMatchObject({ cleanStreakDays: 0, recommendEnforce: false });

    // DKIM-verified report mail for the same week does count; a forged failure still breaks the streak.
    for (let d = 3; d <= 9; d++) {
      await storeTlsReport(t.db, { tenantId: id, bytes: dayReport("Google Inc.", `2026-03-0${d}`, 3), source: "EMAIL", authenticated: true });
    }
    expect(await summariseTlsReports(t.db, { tenantId: id, now })).toMatchObject({ cleanStreakDays: 7, recommendEnforce: true });
    await receiveTlsReportPost(t.db, {
      slug: "tls-forged",
      contentType: "application/tlsrpt+json",
      body: dayReport("Someone", "2026-03-09", 0, 2),
      sourceIp: "198.51.100.99",
    });
    expect(await summariseTlsReports(t.db, { tenantId: id, now })).toMatchObject({ cleanStreakDays: 0, recommendEnforce: false });
  });

  it("issue 19 item 11: a forged POST cannot squat on a real report: the DKIM-verified copy replaces it", async () => {
    const id = (await createTenant(t.db, { slug: "tls-squat", name: "Squat MSP" })).id;
    const forged = dayReport("Google Inc.", "2026-03-05", 999_999, 0, "real-id-1");
    expect(
      (await receiveTlsReportPost(t.db, { slug: "tls-squat", contentType: "application/tlsrpt+json", body: forged, sourceIp: "203.0.113.1" })).status,
    ).toBe(201);
    const real = dayReport("Google Inc.", "2026-03-05", 12, 1, "real-id-1");
    expect((await storeTlsReport(t.db, { tenantId: id, bytes: real, source: "EMAIL", authenticated: true })).status).toBe("stored");
    const rows = await t.db.tlsReport.findMany({ where: { tenantId: id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ successCount: 12, failureCount: 1, authenticated: true, source: "EMAIL", sourceIp: null });
    // And the forged one coming again changes nothing.
    await receiveTlsReportPost(t.db, { slug: "tls-squat", contentType: "application/tlsrpt+json", body: forged, sourceIp: "203.0.113.1" });
    expect(await t.db.tlsReport.findFirstOrThrow({ where: { tenantId: id } })).toMatchObject({ successCount: 12, authenticated: true });
  });

  it(`issue 19 item 11: POSTs are limited to ${TLS_REPORT_POST_LIMIT.perSourceHour} an hour per tenant and source, ${TLS_REPORT_POST_LIMIT.perTenantHour} per tenant`, async () => {
    await createTenant(t.db, { slug: "tls-flood", name: "Flood MSP" });
    const id = (await createTenant(t.db, { slug: "tls-calm", name: "Calm MSP" })).id;
    let n = 0;
    const post = (sourceIp: string, slug = "tls-flood", now?: Date) =>
      receiveTlsReportPost(t.db, {
        slug,
        contentType: "application/tlsrpt+json",
        body: dayReport("Flood", "2026-03-05", 1, 0, `flood-${n++}`),
        sourceIp,
        ...(now ? { now } : {}),
      });
    for (let i = 0; i < TLS_REPORT_POST_LIMIT.perSourceHour; i++) expect((await post("198.51.100.200")).status).toBe(201);
    const refused = await post("198.51.100.200");
    expect(refused).toMatchObject({ status: 429, retryAfterSeconds: 3600 });
    // Unreadable bodies count too (they are stored).
    expect(
      (await receiveTlsReportPost(t.db, { slug: "tls-flood", contentType: "application/tlsrpt+json", body: Buffer.from("{x"), sourceIp: "198.51.100.200" })).status,
    ).toBe(429);
    // Another source, another tenant, and the same source an hour later are not affected.
    expect((await post("198.51.100.201")).status).toBe(201);
    expect((await post("198.51.100.200", "tls-calm")).status).toBe(201);
    expect((await post("198.51.100.200", "tls-flood", new Date(Date.now() + 3_600_001))).status).toBe(201);
    expect(await t.db.tlsReport.count({ where: { tenantId: id } })).toBe(1);

    // Per tenant: rotating sources ends at the tenant's hourly limit.
    const statuses: number[] = [];
    for (let i = 0; i < TLS_REPORT_POST_LIMIT.perTenantHour; i++) statuses.push((await post(`10.9.${i >> 8}.${i & 255}`)).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(await t.db.tlsReport.count({ where: { tenant: { slug: "tls-flood" } } })).toBe(TLS_REPORT_POST_LIMIT.perTenantHour);
  });
});

describe("issue 19 item 11: which report mail is authenticated", () => {
  const auth = (dkim: { result: "pass" | "fail" | "none"; aligned: boolean }[]) => ({
    details: { dkim: dkim.map((d) => ({ domain: "x.example", selector: "s", comment: null, ...d })) },
  });
  it("a DKIM signature that verified for the From domain; not a failed, missing or unaligned one", () => {
    expect(isAuthenticatedReportMail(auth([{ result: "pass", aligned: true }]) as never)).toBe(true);
    expect(isAuthenticatedReportMail(auth([{ result: "fail", aligned: true }, { result: "pass", aligned: true }]) as never)).toBe(true);
    expect(isAuthenticatedReportMail(auth([{ result: "pass", aligned: false }]) as never)).toBe(false);
    expect(isAuthenticatedReportMail(auth([{ result: "fail", aligned: true }]) as never)).toBe(false);
    expect(isAuthenticatedReportMail(auth([]) as never)).toBe(false);
  });
});
