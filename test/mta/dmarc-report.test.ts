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
import { MAX_REPORT_RECORDS } from "../../server/dmarc/parse-aggregate-report";
import { checkHealth, readSmtpBanner } from "../../server/health/check-health";
import { dmarcReportAddress, tenantMailbox } from "../../server/mail/addresses";
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

  /** Until every queued report file has been read (the MTA reads them in the background after the 250). */
  async function reportsRead() {
    for (let i = 0; (await db().dmarcReportJob.count({ where: { state: "PENDING" } })) > 0; i++) {
      if (i > 600) throw new Error(`report files still unread\n${mta.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function deliverOk(raw: Buffer, from: string) {
    const result = await sendMail(mta, { from, to: [rua()], data: raw });
    expect(result.final?.code, `${JSON.stringify(result.final)}\n${mta.output().slice(-3000)}`).toBe(250);
    await reportsRead();
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
  it("R-X-1 issue 19 item 1: a report mail over the sender's daily quota is accepted and kept unread with the reason, and its activity row says so", async () => {
    // 500 files from this sender already today (the per-sender quota), as the queue counts them.
    await db().dmarcReportJob.createMany({
      data: Array.from({ length: 500 }, () => ({ tenantId: acme.id, sender: "flood.example", bytes: new Uint8Array(0), state: "DONE", createdAt: new Date() })),
    });
    const xml = buildReportXml({ orgName: "flood.example", reportId: uniqueId("flood"), domain: "acme.example", begin: new Date(Date.now() - 86_400_000), records: [{ ip: "192.0.2.9", count: 1 }] });
    const gz = gzipSync(Buffer.from(xml));
    const raw = await buildMessage({
      from: "dmarc@flood.example",
      to: rua(),
      subject: "Report domain: acme.example",
      attachments: [{ filename: "flood.example!acme.example.xml.gz", content: gz, contentType: "application/gzip" }],
    });
    await deliverOk(raw, "dmarc@flood.example");
    const kept = await db().dmarcReport.findFirstOrThrow({ where: { tenantId: acme.id, fileName: "flood.example!acme.example.xml.gz" } });
    expect(kept).toMatchObject({ orgName: "flood.example", domain: "", rawEncoding: "base64", recordCount: 0 });
    expect(kept.parseError).toMatch(/^Not read \(over quota\): flood\.example has sent 500 report files in 24 hours \(at most 500\)/);
    expect(Buffer.from(kept.raw, "base64").equals(gz)).toBe(true);
    const activity = await db().activityLog.findFirstOrThrow({ where: { tenantId: acme.id, envelopeFrom: "dmarc@flood.example" } });
    expect(activity.outcome).toBe("DELIVERED");
    expect(activity.reason).toMatch(/DMARC report not read: flood\.example has sent 500 report files in 24 hours \(at most 500\); kept unread in the reports list: flood\.example!acme\.example\.xml\.gz/);
    expect(await db().dmarcReportJob.count({ where: { tenantId: acme.id, state: "PENDING" } })).toBe(0);
  });

  it("R-X-1 issue 19 item 1: a report bomb (≈22 MB of XML, 150,000 records, in a small gzip) stalls nobody and is kept truncated with the reason", async () => {
    // Written compactly, as the report in the finding was (22 MB for 150,000 records).
    const head = buildReportXml({ orgName: "bomb.example", reportId: uniqueId("bomb"), domain: "acme.example", begin: new Date(Date.now() - 86_400_000), records: [] });
    const rows: string[] = [];
    for (let i = 0; i < 150_000; i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      rows.push(`<record><row><source_ip>${ip}</source_ip><count>1</count></row><identifiers><header_from>acme.example</header_from></identifiers></record>`);
    }
    const xml = head.replace("</feedback>", `${rows.join("\n")}\n</feedback>`);
    expect(xml.length).toBeGreaterThan(20_000_000);
    expect(xml.length).toBeLessThan(32 * 1024 * 1024);
    const gz = gzipSync(Buffer.from(xml));
    const bomb = await buildMessage({
      from: "dmarc@bomb.example",
      to: rua(),
      subject: "Report domain: acme.example",
      attachments: [{ filename: "bomb.example!acme.example.xml.gz", content: gz, contentType: "application/gzip" }],
    });
    // Warm-up: the first mail from this sender (DNS look-ups, first ticket) is not what is measured.
    const warm = await sendMail(mta, { from: "jane@client.example", to: [tenantMailbox("acme", TEST_INBOUND_DOMAIN)], data: await buildMessage({ from: "jane@client.example", to: tenantMailbox("acme", TEST_INBOUND_DOMAIN) }) });
    expect(warm.final?.code).toBe(250);
    const sending = sendMail(mta, { from: "dmarc@bomb.example", to: [rua()], data: bomb });
    let bombDone = false;
    void sending.finally(() => (bombDone = true));
    // While the bomb is accepted and read: a new session's banner, a small mail's 250 and the health check each
    // come (the banner and the health check within 2 s, their own timeouts), round after round until it is read.
    let rounds = 0;
    let smallMails = 0;
    const smallMailMs: number[] = [];
    do {
      await readSmtpBanner("127.0.0.1", mta.port, 2_000);
      if (bombDone) {
        // Once the bomb is accepted its file is read in the background: a small mail is answered meanwhile. (While
        // the bomb's own DATA is still arriving, a small mail waits on what any 600 KB message costs to receive.)
        // Bounded by the issue's own text ("a small mail's 250 within 2 s while the bomb is processed"): the
        // report's records are written a batch at a time with the event loop free between batches, so a small
        // mail waits at most one batch (before, one 5,000-row transaction held it 2.4-3.8 s on SQLite).
        const small = uniqueId("client.example");
        const data = await buildMessage({ from: "jane@client.example", to: tenantMailbox("acme", TEST_INBOUND_DOMAIN), messageId: small });
        const started = performance.now();
        const client = await sendMail(mta, { from: "jane@client.example", to: [tenantMailbox("acme", TEST_INBOUND_DOMAIN)], data });
        smallMailMs.push(performance.now() - started);
        expect(client.final?.code).toBe(250);
        smallMails++;
      }
      const health = await checkHealth(db(), { provider, smtpPort: mta.port, timeoutMs: 2_000 });
      expect(health.status, JSON.stringify(health)).toBe("ok");
      rounds++;
    } while (!bombDone || (await db().dmarcReportJob.count({ where: { state: "PENDING" } })) > 0);
    expect(rounds).toBeGreaterThan(0);
    expect(smallMails).toBeGreaterThan(0);
    console.log(`report bomb [${provider}]: ${smallMails} small mails while it was read, slowest ${Math.round(Math.max(...smallMailMs))} ms`);
    // Issue 19 "Done when": every small mail sent while the bomb was read got its 250 within 2 s.
    expect(smallMailMs.filter((ms) => ms > 2_000).map(Math.round)).toEqual([]);
    expect((await sending).final?.code).toBe(250);

    const report = await db().dmarcReport.findFirstOrThrow({ where: { tenantId: acme.id, orgName: "bomb.example" }, include: { _count: { select: { records: true } } } });
    expect({ recordCount: report.recordCount, parseError: report.parseError, rawLength: report.raw.length }).toEqual({ recordCount: MAX_REPORT_RECORDS, parseError: null, rawLength: 0 });
    expect(report._count.records).toBeLessThanOrEqual(MAX_REPORT_RECORDS);
    const problems = JSON.parse(report.problemsJson ?? "[]") as string[];
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/more than 5,000 records; only the first 5,000 were read/), expect.stringMatching(/XML \(2\d\.\d MB\) is larger than 2\.0 MB and is not kept/)]));
    const activity = await db().activityLog.findFirstOrThrow({ where: { tenantId: acme.id, envelopeFrom: "dmarc@bomb.example" } });
    expect(activity).toMatchObject({ outcome: "DELIVERED" });
    expect(activity.reason).toMatch(/stored \(5000 records, truncated: more than 5000 records, the rest not read\)/);
  });
});
