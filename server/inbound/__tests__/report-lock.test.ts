/**
 * A DMARC report mail's transaction takes the tenant lock before it counts the quotas (server/inbound/ingest-report.ts).
 * Measured with `npm run bench inbound` and SMTP_WORKERS=2 on SQLite: without it, most report mails got 451 ("database
 * is locked"), because the transaction read first and another MTA process committed before its first write. Here a
 * second connection (another MTA process) tries to commit right after the quota count: with the lock held it cannot,
 * and the report is queued; without the lock it commits, and the report's insert fails.
 */
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db, type Tx } from "../../db/client";
import { createResolver } from "../../dns/resolver";
import { dmarcReportAddress } from "../../mail/addresses";
import { authenticateMessage } from "../../mail/authenticate";
import { parseMessage } from "../../mail/parse-message";
import { ingestReport } from "../ingest-report";
import type { ReceivedMessage } from "../received-message";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database";
import { startDnsServer, type TestDnsServer } from "../../../test/support/dns-server";
import { createTenantRow } from "../../../test/support/gateway-data";
import { TEST_APP_SECRET, TEST_INBOUND_DOMAIN } from "../../../test/support/mta";

describe("R-X-1 a DMARC report mail while another MTA process writes (SQLite, SMTP_WORKERS > 1)", () => {
  let database: TestDatabase;
  let mta: Db;
  let otherProcess: Db;
  let dns: TestDnsServer;
  let tenantId: string;
  let otherWrites = 0;

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    tenantId = (await createTenantRow(database.db, "reports")).id;
    // As the MTA opens its connection: deferred BEGIN (server/mta/runtime.ts).
    mta = createDb(database.database, { isolateTransactions: true });
    // Busy timeout 0: while the report's transaction holds the write lock it reports "busy" at once instead of waiting.
    otherProcess = createDb(database.database, { busyTimeoutMs: 0 });
    dns = await startDnsServer({});
  });
  afterAll(async () => {
    await mta.$disconnect();
    await otherProcess.$disconnect();
    await dns.close();
    await database.drop();
  });

  async function reportMail(): Promise<ReceivedMessage> {
    const xml = gzipSync("<feedback><report_metadata><report_id>r-1</report_id></report_metadata></feedback>");
    const to = dmarcReportAddress("reports", TEST_INBOUND_DOMAIN);
    const raw = Buffer.from(
      [
        "From: <dmarc@reporter.example>",
        `To: <${to}>`,
        "Subject: Report domain: client.example",
        "Message-ID: <report-lock@reporter.example>",
        "MIME-Version: 1.0",
        'Content-Type: application/gzip; name="reporter.example!client.example!1!2.xml.gz"',
        "Content-Transfer-Encoding: base64",
        "",
        xml.toString("base64"),
        "",
      ].join("\r\n"),
    );
    const resolver = createResolver({ servers: [dns.address], timeoutMs: 1_000, tries: 1 });
    const input = {
      raw,
      remoteIp: "192.0.2.1",
      helo: "reporter.example",
      mailFrom: "dmarc@reporter.example",
      recipients: [to],
      receivedAt: new Date(),
    };
    const auth = await authenticateMessage({
      raw,
      ip: input.remoteIp,
      helo: input.helo,
      mailFrom: input.mailFrom,
      resolver,
      trustedArcSealers: [],
    });
    const deps = { secret: TEST_APP_SECRET, inboundDomain: TEST_INBOUND_DOMAIN, resolver, trustedArcSealers: [] };
    return { input, parsed: await parseMessage(raw), auth, deps };
  }

  /** The MTA's client, whose transactions let the other process try to commit right after the quota count. */
  function writesAfterTheCount(seen: string[]): Db {
    const afterCount = (tx: Tx): Tx =>
      new Proxy(tx, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (prop !== "dmarcReportJob") return value;
          const jobs = value as Tx["dmarcReportJob"];
          return new Proxy(jobs, {
            get(model, name, r) {
              if (name !== "count") return Reflect.get(model, name, r) as unknown;
              return async (args: Parameters<typeof jobs.count>[0]) => {
                const counted = await jobs.count(args);
                try {
                  await createTenantRow(otherProcess, `other-${++otherWrites}`);
                  seen.push("committed");
                } catch (err) {
                  expect(String(err)).toMatch(/busy|locked|timed out/i);
                  seen.push("busy");
                }
                return counted;
              };
            },
          });
        },
      });
    return new Proxy(mta, {
      get(target, prop, receiver) {
        if (prop !== "$transaction") return Reflect.get(target, prop, receiver) as unknown;
        return (fn: (tx: Tx) => Promise<unknown>, options?: unknown) =>
          target.$transaction((tx) => fn(afterCount(tx)), options as Parameters<Db["$transaction"]>[1]);
      },
    });
  }

  it("takes the tenant lock first: the other process waits, and the report is queued", async () => {
    const seen: string[] = [];
    const outcome = await ingestReport(writesAfterTheCount(seen), await reportMail(), [
      { slug: "reports", kind: "dmarc-reports", tenantId, address: dmarcReportAddress("reports", TEST_INBOUND_DOMAIN) },
    ]);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s === "busy")).toBe(true);
    expect(outcome.outcome).toBe("DELIVERED");
    expect(await database.db.dmarcReportJob.count({ where: { tenantId } })).toBe(1);
  });
});
