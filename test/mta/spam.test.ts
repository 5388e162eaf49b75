/**
 * Spam and malware filtering over real SMTP (R-SPAM-1…3): the real Haraka, real rspamd (GTUBE, Bayes per tenant
 * in Redis) and a real clamd whose only signature is EICAR's, on every database of testProviders(). The engines
 * are started once for the file (test/support/spam-engines.ts); each provider gets its own MTA.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResolver } from "../../server/dns/resolver";
import type { IngestDeps } from "../../server/inbound/received-message";
import { tenantMailbox } from "../../server/mail/addresses";
import { rspamdStat } from "../../server/spam/rspamd";
import { readScanVerdict } from "../../server/spam/scan-verdict";
import { blockQuarantined, releaseQuarantined } from "../../server/spam-queue/spam-queue-actions";
import { getAttachmentFile } from "../../server/tickets/message-files";
import { createTestDatabase, testProviders, WEB_PROCESS_DB_OPTIONS, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { deadPort, sendMail, startMta, TEST_APP_SECRET, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { EICAR, GTUBE, removeEngineDir, startClamd, startRspamd, type Engine } from "../support/spam-engines";
import { buildMessage, uniqueId } from "./helpers";

const mailbox = (slug: string) => tenantMailbox(slug, TEST_INBOUND_DOMAIN);
const HAM_TEXT =
  "Hello support team,\n\nthe shared printer on the second floor reports a paper jam since this morning and the " +
  "accounting department cannot print the monthly invoices. Could someone have a look today?\n\nThanks,\nAlice";

let rspamd: Engine & { dir: string };
let clamd: Engine & { dir: string };
let dns: TestDnsServer;

beforeAll(async () => {
  dns = await startDnsServer({
    "client.example": [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }],
    "spammer.example": [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }],
  });
  [rspamd, clamd] = await Promise.all([startRspamd(), startClamd()]);
}, 300_000);

afterAll(async () => {
  await Promise.all([rspamd?.stop(), clamd?.stop(), dns?.close()]);
  if (rspamd) removeEngineDir(rspamd);
  if (clamd) removeEngineDir(clamd);
});

describe.each(testProviders())("spam and malware filtering on %s", (provider) => {
  let database: TestDatabase;
  let mta: MtaProcess;
  let tenant: { id: string; slug: string };
  const db = () => database.db;
  const deps = (): IngestDeps => ({
    secret: TEST_APP_SECRET,
    inboundDomain: TEST_INBOUND_DOMAIN,
    resolver: createResolver({ servers: [dns.address] }),
    trustedArcSealers: [],
    scanner: { rspamdUrl: rspamd.url, clamd: clamd.url, failOpen: false },
  });

  async function send(slug: string, input: { from?: string; text?: string; subject?: string; attachments?: { filename: string; content: Buffer; contentType: string }[] }, to = mta) {
    const from = input.from ?? "alice@client.example";
    const messageId = uniqueId(from.split("@")[1]);
    const raw = await buildMessage({ from, to: mailbox(slug), messageId, text: input.text ?? HAM_TEXT, subject: input.subject ?? "Printer jam on floor 2", attachments: input.attachments ?? [] });
    const result = await sendMail(to, { from, to: [mailbox(slug)], data: raw });
    return { messageId, raw, result, code: result.final?.code };
  }

  beforeAll(async () => {
    database = await createTestDatabase(provider, WEB_PROCESS_DB_OPTIONS);
    mta = await startMta({
      databaseUrl: database.url,
      dnsServers: dns.address,
      env: { OUTBOUND_DELIVERY: "off", RSPAMD_URL: rspamd.url, CLAMD: clamd.url },
    });
    tenant = await createTenantRow(db(), `spam-${provider}`);
  }, 180_000);

  afterAll(async () => {
    await mta?.stop();
    await database?.drop();
  });

  it("R-SPAM-1/2: GTUBE goes to the Spam queue with score and symbols, no ticket and no acknowledgement", async () => {
    const sent = await send(tenant.slug, { from: "offers@spammer.example", subject: "You won", text: `Claim your prize now.\n${GTUBE}\n` });
    expect(sent.code, mta.output().slice(-2000)).toBe(250);
    const item = await db().quarantinedMessage.findFirstOrThrow({ where: { tenantId: tenant.id, subject: "You won" } });
    expect(item.kind).toBe("SPAM");
    const scan = readScanVerdict(item.scanJson)!;
    expect(scan.score).toBeGreaterThanOrEqual(15);
    expect(scan.symbols?.map((s) => s.name)).toContain("GTUBE");
    expect(item.reason).toMatch(/^spam 15\/6 .*GTUBE/);
    const activity = await db().activityLog.findFirstOrThrow({ where: { tenantId: tenant.id, messageIdHeader: sent.messageId } });
    expect(activity.outcome).toBe("QUARANTINED");
    expect(activity.reason).toBe(item.reason);
    expect(await db().ticket.count({ where: { tenantId: tenant.id, subject: "You won" } })).toBe(0);
    expect(await db().message.count({ where: { tenantId: tenant.id, kind: "AUTO_ACK" } })).toBe(0);
  });

  it("R-SPAM-1: a clean message becomes a ticket carrying its score", async () => {
    const sent = await send(tenant.slug, { subject: "Clean printer question" });
    expect(sent.code).toBe(250);
    const message = await db().message.findFirstOrThrow({ where: { tenantId: tenant.id, messageIdHeader: sent.messageId } });
    const scan = readScanVerdict(message.scanJson)!;
    expect(scan.status).toBe("clean");
    expect(scan.score).toBeLessThan(6);
    // Our SPF verdict reached rspamd as its own symbol.
    expect(scan.symbols?.map((s) => s.name)).toContain("R_SPF_ALLOW");
    const activity = await db().activityLog.findFirstOrThrow({ where: { tenantId: tenant.id, messageIdHeader: sent.messageId } });
    expect(activity.outcome).toBe("DELIVERED");
    expect((JSON.parse(activity.decisionsJson!) as string[])[0]).toMatch(/^scanned: score /);
  });

  it("R-SPAM-1: an EICAR attachment is quarantined as malware; released, its attachment is still refused", async () => {
    const sent = await send(tenant.slug, { subject: "Invoice attached", attachments: [{ filename: "invoice.com", content: EICAR, contentType: "application/octet-stream" }] });
    expect(sent.code).toBe(250);
    const item = await db().quarantinedMessage.findFirstOrThrow({ where: { tenantId: tenant.id, subject: "Invoice attached" } });
    expect(item.kind).toBe("MALWARE");
    expect(item.reason).toMatch(/^malware Eicar-Test-Signature/);
    const { outcome } = await releaseQuarantined(db(), deps(), { tenantId: tenant.id, id: item.id });
    expect(outcome?.outcome).toBe("DELIVERED");
    const attachment = await db().attachment.findFirstOrThrow({ where: { tenantId: tenant.id, messageId: outcome!.messageId! } });
    await expect(getAttachmentFile(db(), tenant.id, attachment.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("R-SPAM-2: Release routes the message to a ticket and rspamd's learned count rises; Block adds a blocklist entry", async () => {
    // A tenant whose threshold holds everything: ordinary text (GTUBE mail is never learned by rspamd).
    const strict = await createTenantRow(db(), `strict-${provider}`);
    await db().tenant.update({ where: { id: strict.id }, data: { spamThreshold: -100 } });
    const sent = await send(strict.slug, { subject: "Held by a strict threshold" });
    expect(sent.code).toBe(250);
    const item = await db().quarantinedMessage.findFirstOrThrow({ where: { tenantId: strict.id } });
    expect(item.reason).toMatch(/^spam -?[\d.]+\/-100/);
    const before = await rspamdStat(rspamd.url);
    const { outcome, learned } = await releaseQuarantined(db(), deps(), { tenantId: strict.id, id: item.id });
    expect(learned).toBe("learned");
    expect(outcome?.ticketNumber).toBeGreaterThan(0);
    expect(await db().quarantinedMessage.count({ where: { tenantId: strict.id } })).toBe(0);
    expect((await rspamdStat(rspamd.url)).learned).toBeGreaterThan(before.learned);

    const spam = await send(strict.slug, { from: "offers@spammer.example", subject: "Cheap offer" });
    const held = await db().quarantinedMessage.findFirstOrThrow({ where: { tenantId: strict.id, subject: "Cheap offer" } });
    expect(spam.code).toBe(250);
    const blocked = await blockQuarantined(db(), deps(), { tenantId: strict.id, id: held.id, userId: null, what: "domain" });
    expect(blocked.entry).toMatchObject({ kind: "DOMAIN", value: "spammer.example" });
    // The next mail from that domain is dropped by the blocklist, not held again.
    const again = await send(strict.slug, { from: "offers@spammer.example", subject: "Cheap offer again" });
    expect(again.code).toBe(250);
    const row = await db().activityLog.findFirstOrThrow({ where: { tenantId: strict.id, messageIdHeader: again.messageId } });
    expect(row.outcome).toBe("DROPPED");
  });

  it("R-SPAM-3: clamd stopped → 451 4.7.1; started again, the retry is accepted", async () => {
    await clamd.stop();
    try {
      const input = { subject: "Scan me", attachments: [{ filename: "notes.txt", content: Buffer.from("meeting notes"), contentType: "text/plain" }] };
      const down = await send(tenant.slug, input);
      expect(down.code).toBe(451);
      expect(down.result.final?.text).toContain("4.7.1");
    } finally {
      await clamd.start();
    }
  });

  it("R-SPAM-3: rspamd stopped → 451 4.7.1; started again, the sender's retry is accepted", async () => {
    await rspamd.stop();
    let retry: { data: Buffer; messageId: string } | null = null;
    try {
      const down = await send(tenant.slug, { subject: "While rspamd was down" });
      expect(down.code).toBe(451);
      expect(down.result.final?.text).toContain("4.7.1");
      retry = { data: down.raw, messageId: down.messageId };
      expect(await db().activityLog.count({ where: { tenantId: tenant.id, messageIdHeader: down.messageId } })).toBe(0);
    } finally {
      await rspamd.start();
    }
    const result = await sendMail(mta, { from: "alice@client.example", to: [mailbox(tenant.slug)], data: retry.data });
    expect(result.final?.code).toBe(250);
    // 250 is answered only after the commit.
    await db().message.findFirstOrThrow({ where: { tenantId: tenant.id, messageIdHeader: retry.messageId } });
  }, 300_000);

  it("R-SPAM-3: SPAM_FAIL_OPEN=1 accepts mail while rspamd is unreachable, marked not scanned", async () => {
    const open = await startMta({
      databaseUrl: database.url,
      dnsServers: dns.address,
      env: { OUTBOUND_DELIVERY: "off", RSPAMD_URL: `http://127.0.0.1:${await deadPort()}`, SPAM_FAIL_OPEN: "1" },
    });
    try {
      const sent = await send(tenant.slug, { subject: "Unscanned but accepted" }, open);
      expect(sent.code).toBe(250);
      const message = await db().message.findFirstOrThrow({ where: { tenantId: tenant.id, messageIdHeader: sent.messageId } });
      expect(readScanVerdict(message.scanJson)?.status).toBe("not-scanned");
    } finally {
      await open.stop();
    }
  }, 120_000);
});
