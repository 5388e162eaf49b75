/**
 * R-X-1 over real SMTP: DMARC aggregate reports mailed to a tenant's DMARC-report mailbox through the real Haraka
 * (scripts/mta.ts) on every provider of testProviders(), with a local DNS server. A report is stored with its
 * records and never becomes a ticket; the same report mailed twice is stored once; an unreadable attachment is
 * kept with its reason.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildReportXml } from "../../server/dmarc/__tests__/build-report-xml";
import { dmarcReportAddress } from "../../server/mail/addresses";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { sendMail, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { buildMessage, uniqueId } from "./helpers";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/dmarc");
const crlf = (b: Buffer) => Buffer.from(b.toString("latin1").replace(/\r?\n/g, "\r\n"), "latin1");

describe.each(testProviders())("DMARC report mailbox on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let mta: MtaProcess;
  let acme: { id: string };
  const rua = () => dmarcReportAddress("acme", TEST_INBOUND_DOMAIN);
  const db = () => database.db;

  async function deliverOk(raw: Buffer, from: string) {
    const result = await sendMail(mta, { from, to: [rua()], data: raw });
    expect(result.final?.code, `${JSON.stringify(result.final)}\n${mta.output().slice(-3000)}`).toBe(250);
  }

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    dns = await startDnsServer({});
    acme = await createTenantRow(database.db, "acme");
    mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address });
  });

  afterAll(async () => {
    await mta?.stop();
    await dns?.close();
    await database?.drop();
  });

  it("R-X-1 a real report mail (Google, zip attachment) is stored with its records, no ticket; mailed twice, stored once", async () => {
    const raw = crlf(readFileSync(path.join(fixtures, "stalwart-mail-auth/100.eml")));
    await deliverOk(raw, "noreply-dmarc-support@google.com");
    const reports = await db().dmarcReport.findMany({ where: { tenantId: acme.id }, include: { records: true } });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ orgName: "google.com", reportId: "5264580628977113351", domain: "stalw.art", parseError: null, source: "mail", recordCount: 1 });
    expect(reports[0]!.records).toEqual([expect.objectContaining({ sourceIp: "2a01:4f9:c011:b43c::1", count: 1 })]);
    expect(await db().ticket.count({ where: { tenantId: acme.id } })).toBe(0);
    expect(await db().message.count({ where: { tenantId: acme.id } })).toBe(0);

    await deliverOk(raw, "noreply-dmarc-support@google.com");
    expect(await db().dmarcReport.count({ where: { tenantId: acme.id } })).toBe(1);
    expect(await db().dmarcRecord.count({ where: { report: { tenantId: acme.id } } })).toBe(1);
    const activity = await db().activityLog.findMany({ where: { tenantId: acme.id, direction: "INBOUND" }, orderBy: { createdAt: "asc" } });
    expect(activity.map((a) => a.outcome)).toEqual(["DELIVERED", "DUPLICATE"]);
    expect(activity[0]!.reason).toMatch(/DMARC report 5264580628977113351 from google.com for stalw.art stored/);
    expect(activity[1]!.reason).toMatch(/already stored/);
    expect(await db().ticket.count({ where: { tenantId: acme.id } })).toBe(0);
  });

  it("R-X-1 gzip attachments, an XML body and a broken attachment: stored, and the broken one kept with its reason", async () => {
    const xml = buildReportXml({
      orgName: "receiver.example",
      reportId: uniqueId("r"),
      domain: "acme.example",
      begin: new Date(Date.now() - 86_400_000),
      records: [
        { ip: "192.0.2.10", count: 12, evaluated: { dkim: "pass", spf: "pass" }, dkim: [{ domain: "acme.example", result: "pass" }] },
        { ip: "192.0.2.66", count: 3, disposition: "quarantine", evaluated: { dkim: "fail", spf: "fail" } },
      ],
    });
    await deliverOk(
      await buildMessage({
        from: "dmarc@receiver.example",
        to: rua(),
        subject: "Report domain: acme.example",
        attachments: [
          { filename: "receiver.example!acme.example.xml.gz", content: gzipSync(Buffer.from(xml)), contentType: "application/gzip" },
          { filename: "other.zip", content: Buffer.from("PK\u0003\u0004 not really a zip"), contentType: "application/zip" },
        ],
      }),
      "dmarc@receiver.example",
    );
    const stored = await db().dmarcReport.findFirstOrThrow({ where: { tenantId: acme.id, domain: "acme.example" } });
    expect(stored).toMatchObject({ orgName: "receiver.example", recordCount: 2, messageCount: 15, parseError: null, raw: xml });
    const broken = await db().dmarcReport.findFirstOrThrow({ where: { tenantId: acme.id, fileName: "other.zip" } });
    expect(broken.parseError).toMatch(/zip archive is damaged/);
    expect(broken.orgName).toBe("receiver.example");

    const bodyXml = buildReportXml({ orgName: "plain.example", reportId: "body-1", domain: "acme.example", begin: new Date(), records: [{ ip: "192.0.2.20", count: 1 }] });
    await deliverOk(await buildMessage({ from: "dmarc@plain.example", to: rua(), subject: "Report", text: bodyXml }), "dmarc@plain.example");
    expect(await db().dmarcReport.findFirst({ where: { tenantId: acme.id, orgName: "plain.example", reportId: "body-1" } })).toMatchObject({ recordCount: 1 });
    expect(await db().ticket.count({ where: { tenantId: acme.id } })).toBe(0);
  });
});
