/**
 * R-STS-3 over real SMTP: TLS-RPT report mails sent to a tenant's TLS-report mailbox through the real Haraka
 * (scripts/mta.ts) are parsed and stored, each report once, on every provider of testProviders(). DNS is a local
 * server with no records, so authentication looks-ups answer at once.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tlsReportAddress } from "../../server/mail/addresses";
import { summariseTlsReports } from "../../server/tls-reports/summarise-tls-reports";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { sendMail, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { buildMessage, uniqueId } from "./helpers";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/tlsrpt");
/** A fixture as it travels over SMTP: CRLF line ends. */
const eml = (name: string) =>
  Buffer.from(readFileSync(path.join(fixtures, name), "latin1").replace(/\r?\n/g, "\r\n"), "latin1");

describe.each(testProviders())("TLS-RPT reports by mail on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let mta: MtaProcess;
  let acme: { id: string };
  let globex: { id: string };
  const to = tlsReportAddress("acme", TEST_INBOUND_DOMAIN);

  async function deliverOk(raw: Buffer, from = "tlsrpt@mail.sender.example.com", rcpt = to) {
    const result = await sendMail(mta, { from, to: [rcpt], data: raw });
    expect(result.final?.code, `${JSON.stringify(result.final)}\n${mta.output().slice(-3000)}`).toBe(250);
  }

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    dns = await startDnsServer({});
    acme = await createTenantRow(database.db, "acme");
    globex = await createTenantRow(database.db, "globex");
    mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address });
  });
  afterAll(async () => {
    await mta?.stop();
    await dns?.close();
    await database?.drop();
  });

  it("R-STS-3: a gzip report (application/tlsrpt+gzip) mailed to the TLS-report mailbox is stored, once", async () => {
    await deliverOk(eml("stalwart-mail-auth/rpt01.eml"));
    const rows = await database.db.tlsReport.findMany({ where: { tenantId: acme.id } });
    expect(rows).toEqual([
      expect.objectContaining({
        orgName: "Company-X",
        reportId: "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
        successCount: 5326,
        failureCount: 303,
        policyDomain: "company-y.example",
        source: "EMAIL",
        parseError: null,
      }),
    ]);
    expect((JSON.parse(rows[0]!.detailsJson!) as { failureTypes: unknown }).failureTypes).toEqual({
      "certificate-expired": 100,
      "starttls-not-supported": 200,
      "validation-failure": 3,
    });
    const activity = await database.db.activityLog.findFirstOrThrow({ where: { tenantId: acme.id, envelopeTo: to } });
    expect(activity.outcome).toBe("DELIVERED");
    expect(activity.reason).toMatch(/^TLS report stored: Company-X/);

    // The reporter sends it again (a retry): accepted, not stored twice.
    await deliverOk(eml("stalwart-mail-auth/rpt01.eml"));
    expect(await database.db.tlsReport.count({ where: { tenantId: acme.id } })).toBe(1);
  });

  it("R-STS-3: a plain attachment, Google's real report mail and a report built by a client all land in the summary", async () => {
    await deliverOk(eml("stalwart-mail-auth/rpt02.eml"));
    await deliverOk(eml("parsedmarc/google.com_smtp_tls_report.eml"), "noreply-smtp-tls-reporting@google.com");
    const day = new Date();
    const dayStart = `${day.toISOString().slice(0, 10)}T00:00:00Z`;
    const report = {
      "organization-name": "Yahoo Inc.",
      "report-id": uniqueId("yahoo.example"),
      "date-range": { "start-datetime": dayStart, "end-datetime": `${day.toISOString().slice(0, 10)}T23:59:59Z` },
      "contact-info": "tlsrpt@yahoo.example",
      policies: [
        {
          policy: { "policy-type": "sts", "policy-domain": `acme.${TEST_INBOUND_DOMAIN}` },
          summary: { "total-successful-session-count": 40, "total-failure-session-count": 2 },
          "failure-details": [{ "result-type": "certificate-host-mismatch", "failed-session-count": 2 }],
        },
      ],
    };
    await deliverOk(
      await buildMessage({
        from: "tlsrpt@yahoo.example",
        to,
        subject: `Report Domain: acme.${TEST_INBOUND_DOMAIN} Submitter: yahoo.example`,
        text: "This is an aggregate TLS report from yahoo.example",
        attachments: [
          {
            filename: "yahoo.example!acme!report.json.gz",
            content: gzipSync(JSON.stringify(report)),
            contentType: "application/tlsrpt+gzip",
          },
        ],
      }),
      "tlsrpt@yahoo.example",
    );
    const orgs = (
      await database.db.tlsReport.findMany({ where: { tenantId: acme.id }, orderBy: { orgName: "asc" } })
    ).map((r) => r.orgName);
    expect(orgs).toEqual(["Company-X", "Google Inc.", "Google Inc.", "Yahoo Inc."]);

    const summary = await summariseTlsReports(database.db, { tenantId: acme.id });
    expect(summary.days[0]).toMatchObject({
      day: dayStart.slice(0, 10),
      successCount: 40,
      failureCount: 2,
      failureTypes: [{ type: "certificate-host-mismatch", count: 2 }],
      organisations: ["Yahoo Inc."],
    });
    // Globex has its own mailbox and none of Acme's reports.
    expect(await database.db.tlsReport.count({ where: { tenantId: globex.id } })).toBe(0);
  });

  it("R-STS-3: a message with an unreadable report is accepted and kept with the reason, never a 4xx/5xx", async () => {
    await deliverOk(
      await buildMessage({
        from: "tlsrpt@broken.example",
        to: tlsReportAddress("globex", TEST_INBOUND_DOMAIN),
        subject: "Report Domain: globex",
        attachments: [
          {
            filename: "report.json.gz",
            content: Buffer.from([0x1f, 0x8b, 8, 0, 9, 9, 9]),
            contentType: "application/tlsrpt+gzip",
          },
        ],
      }),
      "tlsrpt@broken.example",
      tlsReportAddress("globex", TEST_INBOUND_DOMAIN),
    );
    const rows = await database.db.tlsReport.findMany({ where: { tenantId: globex.id } });
    expect(rows).toEqual([expect.objectContaining({ parseError: "the gzip data is damaged", source: "EMAIL" })]);
  });
});
