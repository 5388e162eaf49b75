import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { expect, test } from "@playwright/test";
import { buildReportXml, type TestRecord } from "../server/dmarc/__tests__/build-report-xml";
import { storeDmarcReport } from "../server/dmarc/store-report";
import { addSendingDomain } from "../server/sending-domains/manage-sending-domains";
import { sendMail } from "../test/support/mta";
import MailComposer from "nodemailer/lib/mail-composer";
import { demoTenantId, instanceDb, reloadUntil } from "./support/helpers";
import { instanceNamed } from "./support/instances";

test.describe.configure({ mode: "serial" });

const DAY = 86_400_000;
const run = Math.random().toString(36).slice(2, 8);

/** A small deterministic generator, so the seeded figures look like real traffic and are the same every run. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** About 330 records over two weeks from three receivers: own servers, an ESP, a mailing list, strangers. */
function seedReports(domain: string): string[] {
  const rnd = random(42);
  const reporters = ["google.com", "Outlook.com", "yahoo.com"];
  const out: string[] = [];
  for (let d = 14; d >= 1; d--) {
    for (const [i, org] of reporters.entries()) {
      const records: TestRecord[] = [];
      for (let k = 0; k < 3; k++) {
        records.push({
          ip: `198.51.100.${10 + k}`,
          count: Math.round(40 + rnd() * 160) * (3 - i),
          evaluated: { dkim: "pass", spf: "pass" },
          dkim: [{ domain, result: "pass", selector: "om202611" }],
          spf: [{ domain, result: "pass" }],
        });
      }
      records.push(
        {
          ip: `203.0.113.${20 + Math.floor(rnd() * 4)}`,
          count: Math.round(10 + rnd() * 60),
          evaluated: { dkim: "pass", spf: "fail" },
          dkim: [{ domain, result: "pass" }],
          spf: [{ domain: "bounces.esp.example", result: "pass" }],
        },
        {
          ip: "192.0.2.50",
          count: Math.round(1 + rnd() * 8),
          evaluated: { dkim: "fail", spf: "fail" },
          dkim: [{ domain: "lists.example.org", result: "pass" }],
          spf: [{ domain: "lists.example.org", result: "pass" }],
        },
      );
      if (rnd() < 0.6) {
        records.push({
          ip: `185.220.101.${Math.floor(rnd() * 3) + 4}`,
          count: Math.round(1 + rnd() * 25),
          disposition: "quarantine",
          evaluated: { dkim: "fail", spf: "fail" },
          spf: [{ domain: "mailer.invalid-sender.example", result: "fail" }],
        });
      }
      if (rnd() < 0.5) {
        records.push({ ip: `2001:db8:4:1::${Math.floor(rnd() * 6) + 1}`, count: Math.round(5 + rnd() * 30), evaluated: { dkim: "pass", spf: "pass" }, dkim: [{ domain, result: "pass" }] });
      }
      out.push(buildReportXml({ orgName: org, reportId: `${run}-${org}-${d}`, domain, begin: new Date(Date.now() - d * DAY), records }));
    }
  }
  return out;
}

test("R-X-1 a report mailed to the DMARC-report mailbox through Haraka appears on the screen, raw viewable", async ({ page }, testInfo) => {
  const instance = instanceNamed(testInfo.project.name);
  const domain = `mailed-${run}.example`;
  const reportId = `mailed-${run}`;
  const xml = buildReportXml({
    orgName: "google.com",
    reportId,
    domain,
    begin: new Date(Date.now() - DAY),
    records: [
      { ip: "198.51.100.7", count: 41, evaluated: { dkim: "pass", spf: "pass" }, dkim: [{ domain, result: "pass" }] },
      { ip: "185.220.101.9", count: 6, disposition: "reject", evaluated: { dkim: "fail", spf: "fail" } },
    ],
  });
  const to = "dmarc-reports@demo.in.localhost";
  const composer = new MailComposer({
    from: "noreply-dmarc-support@google.com",
    to,
    subject: `Report domain: ${domain} Submitter: google.com Report-ID: ${reportId}`,
    messageId: `<${reportId}@google.com>`,
    date: new Date(),
    text: "This is an aggregate report from google.com.",
    attachments: [{ filename: `google.com!${domain}!1!2.xml.gz`, content: gzipSync(Buffer.from(xml)), contentType: "application/gzip" }],
  });
  const raw = await new Promise<Buffer>((resolve, reject) => composer.compile().build((err, message) => (err ? reject(err) : resolve(message))));
  const sent = await sendMail({ port: instance.smtpPort }, { from: "noreply-dmarc-support@google.com", to: [to], data: raw });
  expect(sent.final?.code).toBe(250);

  await page.goto("/settings/email-gateway/dmarc-reports");
  await expect(page.getByRole("heading", { name: "DMARC reports", level: 1 })).toBeVisible();
  await expect(page.getByTestId("dmarc-rua")).toHaveText("mailto:dmarc-reports@demo.in.localhost");
  const domainSelect = page.getByLabel("Domain");
  await reloadUntil(page, domainSelect.or(page.getByRole("heading", { name: "No reports yet" })), () => domainSelect.selectOption(domain, { timeout: 2_000 }).then(() => undefined));
  const totals = page.getByTestId("dmarc-totals");
  await expect(totals).toContainText("Messages47");
  await expect(totals).toContainText("DMARC pass87.2 %6 failed");
  const suspect = page.getByTestId("dmarc-suspect").filter({ hasText: "185.220.101.9" });
  await expect(suspect).toContainText("Possible impersonation");
  await expect(suspect).toContainText("6 rejected");
  await expect(page.getByRole("table", { name: "Sources" }).getByTestId("dmarc-source-row")).toHaveCount(2);
  // Reverse DNS is asked for after the figures: it ends in a name or says there is none.
  await expect(page.getByTestId("dmarc-source-row").first()).toContainText(/no reverse DNS|name unavailable|\./);

  const row = page.getByTestId("dmarc-report-row").filter({ hasText: reportId });
  await expect(row).toContainText("by mail");
  await row.getByRole("button", { name: `View report ${reportId} from google.com` }).click();
  const dialog = page.getByRole("dialog", { name: "Report from google.com" });
  await expect(dialog.getByTestId("dmarc-raw")).toContainText(`<report_id>${reportId}</report_id>`);
  await expect(dialog.getByRole("table", { name: "Records" }).locator("tbody tr")).toHaveCount(2);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
});

test("R-X-1 upload: stored, a second upload is reported as a duplicate, an unreadable file is refused next to the field", async ({ page }) => {
  const domain = `uploaded-${run}.example`;
  const xml = buildReportXml({
    orgName: "yahoo.com",
    reportId: `upload-${run}`,
    domain,
    begin: new Date(Date.now() - 2 * DAY),
    records: [{ ip: "198.51.100.8", count: 12, evaluated: { dkim: "pass", spf: "pass" }, dkim: [{ domain, result: "pass" }] }],
  });
  await page.goto("/settings/email-gateway/dmarc-reports");
  await page.getByRole("button", { name: "Upload a report" }).click();
  const dialog = page.getByRole("dialog", { name: "Upload a DMARC report" });
  const file = dialog.getByLabel("Report file");

  await file.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("just some notes") });
  await dialog.getByRole("button", { name: "Upload" }).click();
  await expect(file).toHaveAccessibleDescription(/not a DMARC aggregate report we can read: The file is not XML, gzip or zip/);

  const zipped = { name: `yahoo.com!${domain}.xml.gz`, mimeType: "application/gzip", buffer: gzipSync(Buffer.from(xml)) };
  await file.setInputFiles(zipped);
  await dialog.getByRole("button", { name: "Upload" }).click();
  await expect(dialog.getByRole("status")).toContainText(`Stored: report upload-${run} from yahoo.com for ${domain}, 1 record covering 12 messages.`);
  await file.setInputFiles(zipped);
  await dialog.getByRole("button", { name: "Upload" }).click();
  await expect(dialog.getByRole("status")).toContainText(`Already stored: report upload-${run} from yahoo.com`);
  await page.keyboard.press("Escape");

  await expect(page.getByLabel("Domain")).toHaveValue(domain);
  await expect(page.getByTestId("dmarc-totals")).toContainText("Messages12");
  await expect(page.getByTestId("dmarc-report-row").filter({ hasText: `upload-${run}` })).toContainText("uploaded");
});

test("R-X-1 the screen with a few hundred records (sending domain, two weeks, three receivers)", async ({ page }, testInfo) => {
  const db = instanceDb(testInfo.project.name);
  const domain = `northwind-${run}.example`;
  let records = 0;
  try {
    const tenantId = await demoTenantId(db);
    const secret = readFileSync(path.join(instanceNamed(testInfo.project.name).dataDir, "app-secret"), "utf8").trim();
    await addSendingDomain(db, { tenantId, domain, secret });
    for (const xml of seedReports(domain)) {
      const outcome = await db.$transaction((tx) =>
        storeDmarcReport(tx, { tenantId, file: { bytes: Buffer.from(xml), fileName: null }, source: "mail", keepMalformed: true }),
      );
      if (outcome.status === "stored") records += outcome.recordCount;
    }
    // One report that could not be read, as a receiver might send it.
    await db.$transaction((tx) =>
      storeDmarcReport(tx, {
        tenantId,
        file: { bytes: Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 9, 9, 9]), fileName: `mimecast.org!${domain}.xml.gz` },
        source: "mail",
        fallbackOrgName: "mimecast.org",
        keepMalformed: true,
      }),
    );
  } finally {
    await db.$disconnect();
  }
  expect(records).toBeGreaterThan(250);

  await page.setViewportSize({ width: 1440, height: 1000 });
  await page.goto("/settings/email-gateway/dmarc-reports");
  await page.getByLabel("Domain").selectOption(domain);
  await expect(page.getByLabel("Domain").locator("option:checked")).toContainText("(sending domain)");
  await expect(page.getByTestId("dmarc-chart")).toBeVisible();
  await expect(page.getByTestId("dmarc-suspect").filter({ hasText: "185.220.101." }).first()).toContainText("Possible impersonation");
  await expect(page.getByTestId("dmarc-suspect").filter({ hasText: "192.0.2.50" })).toContainText("Authenticated as lists.example.org");
  await expect(page.getByTestId("dmarc-report-row").filter({ hasText: "Could not be read" })).toContainText(/gzip data is damaged/);
  await expect(page.getByText("looking up the name…")).toHaveCount(0, { timeout: 20_000 });
  await page.screenshot({ path: `e2e/screenshots/dmarc-reports-${testInfo.project.name}.png`, fullPage: true });
  await page.screenshot({ path: `e2e/screenshots/dmarc-reports-top-${testInfo.project.name}.png` });
  await page.getByTestId("dmarc-report-row").filter({ hasText: "google.com" }).first().getByRole("button", { name: /View report/ }).click();
  await expect(page.getByRole("dialog", { name: "Report from google.com" }).getByTestId("dmarc-raw")).toContainText("<feedback>");
  await page.screenshot({ path: `e2e/screenshots/dmarc-report-view-${testInfo.project.name}.png` });
});
