/**
 * R-X-1 storage and the screen's figures on a real database (SQLite, and PostgreSQL with TEST_POSTGRES_URL):
 * reports stored once per reporter and id, malformed files kept with their reason, upload, tenant scoping, and
 * the overview (totals, series, sources, possible impersonation; the gateway recognised by SPF_INCLUDE).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appError } from "../../../test/support/app-error";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { startDnsServer, type TestDnsServer } from "../../../test/support/dns-server";
import { createResolver } from "../../dns/resolver";
import { createTenant } from "../../tenants/create-tenant";
import { dmarcOverview, getDmarcReport, listDmarcDomains, listDmarcReports, uploadDmarcReport } from "../dmarc-overview";
import { gatewaySenders, type GatewaySenders } from "../gateway-senders";
import { reverseDns, reverseName } from "../reverse-dns";
import { processDmarcReportJobs } from "../process-report-jobs";
import { queueDmarcReportMail, type ReportQuotas } from "../queue-report-mail";
import { MAX_KEPT_XML_CHARS } from "../read-report-file";
import { storeDmarcReport } from "../store-report";
import { MAX_REPORT_RECORDS } from "../parse-aggregate-report";
import type { ParsedMessage } from "../../mail/parse-message";
import { buildReportXml } from "./build-report-xml";

const fixtures = path.resolve(import.meta.dirname, "../../../test/fixtures/dmarc");
const NOW = new Date("2026-11-20T12:00:00Z");
const day = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
const noGateway: GatewaySenders = { has: () => false, description: "", incomplete: false };

describe.each(testProviders())("DMARC report storage and overview on %s", (provider) => {
  let t: TestDatabase;
  let tenantA: string;
  let tenantB: string;
  let dns: TestDnsServer;

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantA = (await createTenant(t.db, { slug: "alpha", name: "Alpha MSP" })).id;
    tenantB = (await createTenant(t.db, { slug: "bravo", name: "Bravo MSP" })).id;
    dns = await startDnsServer({
      "_spf.gateway.test": [{ type: "TXT", data: "v=spf1 ip4:198.51.100.0/28 include:_more.gateway.test -all" }],
      "_more.gateway.test": [{ type: "TXT", data: "v=spf1 ip6:2001:db8:aa::/48 -all" }],
      "10.100.51.198.in-addr.arpa": [{ type: "PTR", domain: "mail.gateway.test" }],
    });
  });
  afterAll(async () => {
    await dns?.close();
    await t.drop();
  });

  const store = (tenantId: string, bytes: Buffer, fileName: string | null = null) =>
    // The product's own timeouts (30 s for ingestion): Prisma's 5 s default is too short for 2286 records on a busy machine.
    t.db.$transaction((tx) => storeDmarcReport(tx, { tenantId, file: { bytes, fileName }, source: "mail", keepMalformed: true, fallbackOrgName: "sender.example" }), {
      maxWait: 15_000,
      timeout: 30_000,
    });

  /** A mail to the report mailbox as the MTA hands it over: queued in one transaction, then read by the job. */
  async function mailReport(tenantId: string, parsed: Pick<ParsedMessage, "attachments" | "text" | "from">, envelopeFrom: string, quotas?: ReportQuotas) {
    const queued = await t.db.$transaction((tx) => queueDmarcReportMail(tx, { tenantId, parsed, envelopeFrom, now: new Date() }, quotas));
    await processDmarcReportJobs(t.db);
    const jobs = await t.db.dmarcReportJob.findMany({ where: { id: { in: queued.jobIds } } });
    return { queued, results: jobs.map((j) => j.result ?? ""), jobs };
  }

  it("R-X-1 stores a real report (Google zip mail) with its records, once; the tenant's other copy is separate", async () => {
    const eml = readFileSync(path.join(fixtures, "stalwart-mail-auth/100.eml"));
    const { parseMessage } = await import("../../mail/parse-message");
    const parsed = await parseMessage(eml);
    const first = await mailReport(tenantA, parsed, "noreply-dmarc-support@google.com");
    expect(first.results).toEqual([expect.stringMatching(/DMARC report 5264580628977113351 from google.com for stalw.art stored \(1 records\)/)]);
    // The job is done and no longer holds the file.
    expect(first.jobs[0]).toMatchObject({ state: "DONE" });
    expect(first.jobs[0]!.bytes.length).toBe(0);
    const again = await mailReport(tenantA, parsed, "x@google.com");
    expect(again.results).toEqual([expect.stringMatching(/already stored/)]);
    expect(await t.db.dmarcReport.count({ where: { tenantId: tenantA, orgName: "google.com" } })).toBe(1);
    // Another tenant receiving the same report stores its own copy.
    const other = await mailReport(tenantB, parsed, "x@google.com");
    expect(other.results).toEqual([expect.stringMatching(/stored/)]);
    expect(await t.db.dmarcReport.count({ where: { tenantId: tenantB, orgName: "google.com" } })).toBe(1);
  });

  it("R-X-1 issue 19 item 1: a report over the record cap is kept truncated with the reason; identical records are one row", async () => {
    const many = Array.from({ length: MAX_REPORT_RECORDS + 700 }, (_, i) => ({
      ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      count: 1,
      evaluated: { dkim: "pass" as const, spf: "fail" as const },
    }));
    const xml = buildReportXml({ orgName: "bomb.example", reportId: "cap-1", domain: "capped.example", begin: day(1), records: many });
    const outcome = await store(tenantA, gzipSync(Buffer.from(xml)), "cap.xml.gz");
    expect(outcome).toMatchObject({ status: "stored", recordCount: MAX_REPORT_RECORDS, messageCount: MAX_REPORT_RECORDS, truncated: true });
    const row = await t.db.dmarcReport.findUniqueOrThrow({ where: { id: outcome.id! }, include: { _count: { select: { records: true } } } });
    expect(row._count.records).toBe(MAX_REPORT_RECORDS);
    expect((JSON.parse(row.problemsJson ?? "[]") as string[])[0]).toMatch(/more than 5,000 records; only the first 5,000 were read/);
    expect(row.raw.length).toBeLessThanOrEqual(MAX_KEPT_XML_CHARS);

    const same = Array.from({ length: 3_000 }, () => ({ ip: "192.0.2.7", count: 2, evaluated: { dkim: "fail" as const, spf: "fail" as const } }));
    const repeated = buildReportXml({ orgName: "bomb.example", reportId: "same-1", domain: "capped.example", begin: day(1), records: same });
    const folded = await store(tenantA, Buffer.from(repeated));
    expect(folded).toMatchObject({ status: "stored", recordCount: 3_000, messageCount: 6_000 });
    expect(await t.db.dmarcRecord.findMany({ where: { reportId: folded.id! }, select: { sourceIp: true, count: true } })).toEqual([{ sourceIp: "192.0.2.7", count: 6_000 }]);
  });

  it("R-X-1 issue 19 item 1: report files are queued within per-sender and per-tenant daily quotas; over them, kept unread with the reason (bounded too), not lost", async () => {
    const tenant = (await createTenant(t.db, { slug: "quota", name: "Quota MSP" })).id;
    const file = (n: number) => ({
      attachments: [{ filename: `r${n}.xml`, contentType: "text/xml", content: Buffer.from(buildReportXml({ orgName: "q.example", reportId: `q-${n}`, domain: "q.example", begin: day(1), records: [] })) }],
      text: "",
      from: null,
    }) as unknown as Pick<ParsedMessage, "attachments" | "text" | "from">;
    const quotas = { perTenantPerDay: 3, perSenderPerDay: 2 };
    expect((await mailReport(tenant, file(1), "a@one.example", quotas)).queued.jobIds).toHaveLength(1);
    expect((await mailReport(tenant, file(2), "a@one.example", quotas)).queued.jobIds).toHaveLength(1);
    const perSender = await mailReport(tenant, file(3), "b@one.example", quotas);
    expect(perSender.queued).toMatchObject({ jobIds: [], overQuota: true, kept: [expect.any(String)] });
    expect(perSender.queued.reason).toMatch(/one\.example has sent 2 report files in 24 hours \(at most 2\); kept unread in the reports list: r3\.xml/);
    // Kept as an admin sees it: in the reports list (it names no domain, so under every domain), with the quota as
    // its reason and the file as received.
    const kept = await t.db.dmarcReport.findUniqueOrThrow({ where: { id: perSender.queued.kept[0]! } });
    expect(kept).toMatchObject({ orgName: "one.example", domain: "", rawEncoding: "base64", fileName: "r3.xml", source: "mail" });
    expect(kept.parseError).toMatch(/^Not read \(over quota\): one\.example has sent 2 report files/);
    expect(Buffer.from(kept.raw, "base64").toString()).toContain("<report_id>q-3</report_id>");
    const listed = await listDmarcReports(t.db, { tenantId: tenant, domain: "q.example", period: "all" });
    expect(listed.reports.map((r) => r.fileName)).toContain("r3.xml");
    // The same file mailed again over quota is kept once.
    expect((await mailReport(tenant, file(3), "b@one.example", quotas)).queued.kept).toEqual([kept.id]);

    expect((await mailReport(tenant, file(4), "a@two.example", quotas)).queued.jobIds).toHaveLength(1);
    const perTenant = await mailReport(tenant, file(5), "a@three.example", quotas);
    expect(perTenant.queued.reason).toMatch(/this tenant's mailbox has had 3 report files in 24 hours \(at most 3\); kept unread/);
    expect(perTenant.queued.kept).toHaveLength(1);
    await mailReport(tenant, file(6), "a@three.example", quotas);
    // Kept-unread files are bounded per tenant and day as well (here 3): beyond, the mail is only logged, with why.
    const beyond = await mailReport(tenant, file(7), "a@three.example", quotas);
    expect(beyond.queued).toMatchObject({ jobIds: [], kept: [], overQuota: true });
    expect(beyond.queued.reason).toMatch(/not kept either \(3 files kept unread in 24 hours, at most 3\): r7\.xml/);
    expect(await t.db.dmarcReport.count({ where: { tenantId: tenant, parseError: null } })).toBe(3);
    expect(await t.db.dmarcReport.count({ where: { tenantId: tenant, parseError: { startsWith: "Not read (over quota)" } } })).toBe(3);
  });

  it("R-X-1 the 2286-record report is stored whole, totals kept on the report", async () => {
    const bytes = readFileSync(path.join(fixtures, "parsedmarc/aggregate/!large-example.com!1711897200!1711983600.xml"));
    const outcome = await store(tenantA, gzipSync(bytes), "large.xml.gz");
    expect(outcome).toMatchObject({ status: "stored", recordCount: 2286 });
    const row = await t.db.dmarcReport.findUniqueOrThrow({ where: { id: outcome.id! }, include: { _count: { select: { records: true } } } });
    expect(row._count.records).toBe(2286);
    const sum = await t.db.dmarcRecord.aggregate({ where: { reportId: row.id }, _sum: { count: true } });
    expect(row.messageCount).toBe(sum._sum.count);
    expect(row.raw).toBe(bytes.toString("utf8"));
  });

  it("R-X-1 a malformed file is kept with its reason and its bytes, once", async () => {
    const junk = Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const outcome = await store(tenantA, junk, "broken.xml.gz");
    expect(outcome.status).toBe("malformed");
    expect(outcome.status === "malformed" && outcome.reason).toMatch(/gzip data is damaged/);
    const row = await t.db.dmarcReport.findUniqueOrThrow({ where: { id: outcome.id! } });
    expect(row).toMatchObject({ orgName: "sender.example", domain: "", rawEncoding: "base64", fileName: "broken.xml.gz" });
    expect(Buffer.from(row.raw, "base64").equals(junk)).toBe(true);
    expect(row.parseError).toMatch(/gzip data is damaged/);
    expect(await store(tenantA, junk, "broken.xml.gz")).toMatchObject({ status: "malformed", duplicate: true, id: outcome.id });

    // Readable XML that is no report: kept as text, with what could be read.
    const noDomain = await store(tenantA, Buffer.from("<feedback><report_metadata><org_name>r.example</org_name><report_id>x1</report_id></report_metadata></feedback>"));
    expect(noDomain.status === "malformed" && noDomain.reason).toMatch(/names no domain/);
    const kept = await t.db.dmarcReport.findUniqueOrThrow({ where: { id: noDomain.id! } });
    expect(kept).toMatchObject({ orgName: "r.example", reportId: "x1", rawEncoding: "text" });

    // The reports list shows unreadable reports that name no domain under every domain, with the reason.
    const list = await listDmarcReports(t.db, { tenantId: tenantA, domain: "stalw.art", period: "all" });
    expect(list.reports.filter((r) => r.parseError).map((r) => r.parseError)).toEqual(
      expect.arrayContaining([expect.stringMatching(/gzip data is damaged/), expect.stringMatching(/names no domain/)]),
    );
  });

  it("R-X-1 a mail without any report is not stored and says so", async () => {
    const result = await mailReport(tenantA, { attachments: [], text: "Hello, please verify your address", from: null }, "");
    expect(result.queued.jobIds).toEqual([]);
    expect(result.queued.reason).toMatch(/carries no report/);
  });

  it("R-X-1 upload: stored, duplicate reported as such, unreadable refused next to the file field", async () => {
    const xml = buildReportXml({ orgName: "upload.example", reportId: "up-1", domain: "uploaded.example", begin: day(2), records: [{ ip: "192.0.2.1", count: 4, evaluated: { dkim: "pass", spf: "pass" } }] });
    const contentBase64 = Buffer.from(xml).toString("base64");
    await expect(uploadDmarcReport(t.db, { tenantId: tenantA, fileName: "r.xml", contentBase64 })).resolves.toMatchObject({ status: "stored", recordCount: 1, messageCount: 4 });
    await expect(uploadDmarcReport(t.db, { tenantId: tenantA, fileName: "r.xml", contentBase64 })).resolves.toMatchObject({ status: "duplicate", reportId: "up-1" });
    const refused = await appError(uploadDmarcReport(t.db, { tenantId: tenantA, fileName: "x.txt", contentBase64: Buffer.from("hello").toString("base64") }));
    expect(refused).toMatchObject({ code: "BAD_INPUT", field: "file" });
    expect(refused.message).toMatch(/not XML, gzip or zip/);
    const stored = await t.db.dmarcReport.findFirstOrThrow({ where: { tenantId: tenantA, reportId: "up-1" } });
    expect(stored.source).toBe("upload");
  });

  it("R-X-1 overview: totals, alignment shares, series, sources, and possible impersonation", async () => {
    const domain = "acme.example";
    await t.db.sendingDomain.create({
      data: { tenantId: tenantA, domain, selector: "s1", dkimPublicKey: "x", dkimPrivateKeyEnc: "x" },
    });
    const reports = [
      buildReportXml({
        orgName: "google.com",
        reportId: "g-1",
        domain,
        begin: day(3),
        records: [
          // The gateway: DKIM aligned.
          { ip: "198.51.100.10", count: 120, evaluated: { dkim: "pass", spf: "pass" }, dkim: [{ domain, result: "pass" }], spf: [{ domain: "bounce.gateway.test", result: "pass" }] },
          // A third-party sender that is authorised (passes here) and fails once elsewhere (forwarding).
          { ip: "203.0.113.5", count: 30, evaluated: { dkim: "pass", spf: "fail" }, dkim: [{ domain: "mail.acme.example", result: "pass" }], spf: [{ domain: "esp.example", result: "pass" }] },
          // A stranger: nothing passes.
          { ip: "192.0.2.66", count: 7, disposition: "quarantine", evaluated: { dkim: "fail", spf: "fail" }, spf: [{ domain: "evil.example", result: "fail" }] },
        ],
      }),
      buildReportXml({
        orgName: "Outlook.com",
        reportId: "o-1",
        domain,
        begin: day(1),
        records: [
          { ip: "203.0.113.5", count: 2, evaluated: { dkim: "fail", spf: "fail" }, spf: [{ domain: "esp.example", result: "pass" }] },
          // A mailing list: authenticated as itself, not aligned.
          { ip: "2001:db8:1::25", count: 3, disposition: "reject", evaluated: { dkim: "fail", spf: "fail" }, dkim: [{ domain: "lists.example.org", result: "pass" }] },
          // Outside the period: excluded.
        ],
      }),
      buildReportXml({ orgName: "yahoo.com", reportId: "old", domain, begin: day(60), records: [{ ip: "192.0.2.99", count: 1000, evaluated: { dkim: "fail", spf: "fail" } }] }),
    ];
    for (const xml of reports) expect((await store(tenantA, Buffer.from(xml))).status).toBe("stored");
    // The other tenant's report about the same domain never shows.
    await store(tenantB, Buffer.from(buildReportXml({ orgName: "google.com", reportId: "b-1", domain, begin: day(2), records: [{ ip: "192.0.2.200", count: 500 }] })));

    const resolver = createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 });
    const gateway = await gatewaySenders(resolver, "include:_spf.gateway.test");
    expect(gateway.has("198.51.100.10")).toBe(true);
    expect(gateway.has("2001:db8:aa::1")).toBe(true);
    expect(gateway.has("203.0.113.5")).toBe(false);

    const o = await dmarcOverview(t.db, { tenantId: tenantA, domain, period: "30d", gateway, now: NOW });
    expect(o.totals).toMatchObject({ messages: 162, pass: 150, fail: 12, aligned: 150, dkimAligned: 150, spfAligned: 0, reports: 2, sources: 4 });
    expect(o.bucket).toBe("day");
    expect(o.series).toHaveLength(31);
    expect(o.series.reduce((s, b) => s + b.pass + b.fail, 0)).toBe(162);
    expect(o.series.find((b) => b.start.getTime() === Date.UTC(2026, 10, 17))).toMatchObject({ pass: 150, fail: 7 });
    expect(o.sources.map((s) => [s.ip, s.messages, s.pass, s.fail, s.gateway, s.authorised])).toEqual([
      ["198.51.100.10", 120, 120, 0, true, true],
      ["203.0.113.5", 32, 30, 2, false, true],
      ["192.0.2.66", 7, 0, 7, false, false],
      ["2001:db8:1::25", 3, 0, 3, false, false],
    ]);
    expect(o.sources.find((s) => s.ip === "203.0.113.5")?.reporters).toEqual(["Outlook.com", "google.com"]);
    expect(o.suspects.map((s) => [s.ip, s.kind, s.authenticatedAs])).toEqual([
      ["192.0.2.66", "impersonation", []],
      ["2001:db8:1::25", "unaligned", ["lists.example.org"]],
    ]);
    expect(o.suspects[0]).toMatchObject({ quarantined: 7 });
    expect(o.policy).toMatchObject({ p: "quarantine", adkim: "r" });

    const all = await dmarcOverview(t.db, { tenantId: tenantA, domain, period: "all", gateway: noGateway, now: NOW });
    expect(all.totals.messages).toBe(1162);
    expect(all.bucket).toBe("day");
    // Without the gateway configured, the gateway's address is still an authorised sender, never a suspect.
    expect(all.suspects.map((s) => s.ip)).not.toContain("198.51.100.10");

    const domains = await listDmarcDomains(t.db, tenantA);
    expect(domains[0]).toMatchObject({ domain, sendingDomain: true, reports: 3 });
    expect(domains.map((d) => d.domain)).toEqual(expect.arrayContaining(["stalw.art", "example.com", "uploaded.example"]));
    expect((await listDmarcDomains(t.db, tenantB)).map((d) => d.domain)).not.toContain("uploaded.example");

    const list = await listDmarcReports(t.db, { tenantId: tenantA, domain, period: "30d", now: NOW });
    expect(list.reports.filter((r) => !r.parseError).map((r) => [r.orgName, r.recordCount, r.messageCount])).toEqual(
      expect.arrayContaining([["google.com", 3, 157], ["Outlook.com", 2, 5]]),
    );
    const detail = await getDmarcReport(t.db, { tenantId: tenantA, id: list.reports.find((r) => r.reportId === "g-1")!.id });
    expect(detail.raw).toContain("<report_id>g-1</report_id>");
    expect(detail.records).toHaveLength(3);
    expect(await appError(getDmarcReport(t.db, { tenantId: tenantB, id: detail.id }))).toMatchObject({ code: "NOT_FOUND" });
  });

  it("R-X-1 reverse DNS through the resolver, cached; unknown and failing look-ups answer without a name", async () => {
    expect(reverseName("192.0.2.1")).toBe("1.2.0.192.in-addr.arpa");
    expect(reverseName("2001:db8::1")).toBe(`1.${"0.".repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`);
    const resolver = createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 });
    const names = await reverseDns(resolver, ["198.51.100.10", "198.51.100.11"]);
    expect(names).toEqual([
      { ip: "198.51.100.10", name: "mail.gateway.test", status: "found" },
      { ip: "198.51.100.11", name: null, status: "none" },
    ]);
    const dead = createResolver({ servers: ["127.0.0.1:9"], timeoutMs: 300, tries: 1 });
    // Cached: the dead resolver is not asked for the name already known.
    expect(await reverseDns(dead, ["198.51.100.10"])).toEqual([{ ip: "198.51.100.10", name: "mail.gateway.test", status: "found" }]);
    expect(await reverseDns(dead, ["198.51.100.12"])).toEqual([{ ip: "198.51.100.12", name: null, status: "unavailable" }]);
  });
});
