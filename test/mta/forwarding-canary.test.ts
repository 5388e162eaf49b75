/**
 * R-HEALTH-1, R-HEALTH-4: the forwarding canary through a real forwarding hop, on every provider of
 * testProviders(). A private Postfix plays the MSP's mail host: `support@msp.test` is a virtual alias forwarding to
 * the tenant mailbox on the gateway, and mail for the admins' domain goes on to the test's receiving MTA. The MTA
 * runs with canary intervals of seconds (CANARY_INTERVAL_SECONDS / CANARY_WAIT_SECONDS).
 *
 *   alias present → canary green; alias removed (postmap + reload) → red after two misses, an alert mail reaches
 *   the admins and an incident is open (the banner's data); alias restored → green and a "resolved" mail.
 *
 * Also: a forged canary, another tenant's canary and a replayed one are refused (not counted, never a ticket).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bounceAddress, canaryToken, tenantMailbox } from "../../server/mail/addresses";
import { saveCanarySettings } from "../../server/gateway-health/canary-addresses";
import { forwardingStatus } from "../../server/gateway-health/forwarding-status";
import { openIncidents } from "../../server/gateway-health/health-incidents";
import { createTestDatabase, testProviders, WEB_PROCESS_DB_OPTIONS, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { deadPort, sendMail, startMta, TEST_APP_SECRET, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { waitUntil } from "../support/outbound-data";
import { startPrivatePostfix, type PrivatePostfix } from "../support/private-postfix";
import { startSmtpReceiver, type ReceivedMail, type SmtpReceiver } from "../support/smtp-receiver";
import { buildDsn, buildMessage } from "./helpers";

const MSP_ADDRESS = "support@msp.test";
const ADMIN = "admin@ops.test";
const subjectOf = (m: ReceivedMail) => /(?:^|\r\n)Subject: ([^\r\n]*)/i.exec(m.raw.toString("latin1"))?.[1] ?? "";

describe.each(testProviders())("forwarding canary through a private Postfix on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let receiver: SmtpReceiver;
  let postfix: PrivatePostfix;
  let mta: MtaProcess;
  let tenantId: string;
  const mailbox = tenantMailbox("acme", TEST_INBOUND_DOMAIN);
  const context = () => `--- MTA ---\n${mta?.output().slice(-4000)}\n--- Postfix ---\n${postfix?.log().slice(-4000)}`;
  const state = async () => (await forwardingStatus(database.db, tenantId))[0]!;
  const canaryCount = () => database.db.forwardingCanary.count({ where: { tenantId } });

  beforeAll(async () => {
    [database, dns, receiver] = await Promise.all([createTestDatabase(provider, WEB_PROCESS_DB_OPTIONS), startDnsServer(), startSmtpReceiver()]);
    const tenant = await createTenantRow(database.db, "acme", { autoAckEnabled: true });
    tenantId = tenant.id;
    await database.db.user.create({ data: { id: "admin-acme", name: "Ada Admin", email: ADMIN, tenantId, role: "ADMIN" } });
    await saveCanarySettings(database.db, tenantId, { addresses: [MSP_ADDRESS], intervalMinutes: 15 }, TEST_INBOUND_DOMAIN);
    // Each needs the other's port: the gateway's is chosen first and given to both.
    const gatewayPort = await deadPort();
    postfix = await startPrivatePostfix({
      aliasDomains: ["msp.test"],
      aliases: { [MSP_ADDRESS]: mailbox },
      transports: { [`.${TEST_INBOUND_DOMAIN}`]: `127.0.0.1:${gatewayPort}`, "ops.test": receiver.address },
    });
    mta = await startMta({
      databaseUrl: database.url,
      dnsServers: dns.address,
      env: {
        SMTP_PORT: String(gatewayPort),
        OUTBOUND_RELAY: postfix.address,
        CANARY_INTERVAL_SECONDS: "3",
        CANARY_WAIT_SECONDS: "3",
        HEALTH_CHECK_SECONDS: "1",
      },
    });
  }, 120_000);

  afterAll(async () => {
    await mta?.stop();
    await postfix?.stop();
    await Promise.all([receiver?.close(), dns?.close()]);
    await database?.drop();
  });

  it("R-HEALTH-1 R-HEALTH-4 green through the forward, red within two intervals once the alias is gone (alert mail, incident), green again with a resolved mail", async () => {
    // Green: a canary went out through Postfix's alias and came back to the tenant mailbox.
    const green = await waitUntil("the first canary back through the forward", async () => {
      const s = await state();
      return s.state === "ok" ? s : null;
    }, { timeoutMs: 60_000, context });
    expect(green.lastLatencyMs).not.toBeNull();
    const back = await database.db.activityLog.findMany({ where: { tenantId, direction: "INBOUND" } });
    expect(back.length).toBeGreaterThan(0);
    expect(back.every((r) => r.outcome === "DROPPED" && /^forwarding canary/.test(r.reason ?? ""))).toBe(true);
    // Never a ticket, never acknowledged.
    expect(await database.db.ticket.count({ where: { tenantId } })).toBe(0);
    expect(await database.db.outboundJob.count({ where: { tenantId, recipients: { contains: "msp.test" }, NOT: { envelopeFrom: { contains: "bounce-" } } } })).toBe(0);

    // The MSP "tidies" its mail host: the alias is gone, Postfix refuses the address.
    await postfix.setAliases({});
    const sentBefore = await canaryCount();
    const broken = await waitUntil("forwarding broken", async () => {
      const s = await state();
      return s.state === "broken" ? s : null;
    }, { timeoutMs: 90_000, context });
    // Two misses in a row, and no more canaries than two intervals' worth (plus one sent as the second settled).
    expect(await canaryCount() - sentBefore).toBeLessThanOrEqual(3);
    expect(broken.brokenSince).not.toBeNull();
    // Postfix refused the canary at RCPT: the miss is counted at once, with Postfix's own words.
    expect(broken.lastBounceReason).toMatch(/^was refused when the gateway delivered it: 5\d\d .*support@msp\.test/);
    const alert = await receiver.waitFor((m) => m.recipients.includes(ADMIN) && /^Problem: Forwarding from support@msp\.test/.test(subjectOf(m)), 60_000);
    expect(alert.raw.toString("latin1")).toMatch(/Auto-Submitted: auto-generated/i);
    expect(alert.raw.toString("latin1")).toMatch(/Forwarding broken since/);
    expect(alert.raw.toString("latin1").replace(/=\r?\n/g, "")).toMatch(/the last one was refused when the gateway delivered it/);
    const incidents = await openIncidents(database.db, tenantId);
    expect(incidents.map((i) => i.title)).toEqual([`Forwarding from ${MSP_ADDRESS}`]);

    // Restored: the next canary comes back, the incident resolves and the admins hear so.
    await postfix.setAliases({ [MSP_ADDRESS]: mailbox });
    await waitUntil("forwarding green again", async () => ((await state()).state === "ok" ? true : null), { timeoutMs: 60_000, context });
    await receiver.waitFor((m) => m.recipients.includes(ADMIN) && subjectOf(m) === `Resolved: Forwarding from ${MSP_ADDRESS}`, 60_000);
    await waitUntil("incident resolved", async () => ((await openIncidents(database.db, tenantId)).length === 0 ? true : null), { context });
    expect(await database.db.ticket.count({ where: { tenantId } })).toBe(0);
  }, 240_000);

  it("R-HEALTH-1 a forged, another tenant's or a replayed canary is refused: not counted, never a ticket", async () => {
    await createTenantRow(database.db, "other");
    const arrived = await waitUntil(
      "a canary back through the forward",
      () => database.db.forwardingCanary.findFirst({ where: { tenantId, arrivedAt: { not: null } }, orderBy: { sentAt: "desc" } }),
      { timeoutMs: 60_000, context },
    );
    const job = await database.db.outboundJob.findFirstOrThrow({ where: { id: arrived.outboundJobId! } });
    const unknown = await database.db.forwardingCanary.count({ where: { tenantId } });
    const send = (data: Buffer) => sendMail(mta, { from: "mallory@evil.example", to: [mailbox], data });
    const forged = async (token: string) =>
      send(await buildMessage({ from: "mallory@evil.example", to: mailbox, subject: "Not a canary", headers: { "X-OpsMerge-Canary": token } }));

    // A made-up token, a good token signed for another tenant, and the real canary sent again verbatim.
    const results = [
      await forged(`${arrived.id}-aaaaaaaaaaaaaaaa`),
      await forged(canaryToken(TEST_APP_SECRET, { slug: "other", canaryId: arrived.id })),
      // As it went on the wire (the stored source keeps the composer's line ends; SMTP carries CRLF).
      await send(Buffer.from(Buffer.from(job.raw).toString("latin1").replace(/\r?\n/g, "\r\n"), "latin1")),
    ];
    for (const r of results) expect(r.final?.code, `${r.final?.text}\n${context()}`).toBe(250);
    const refused = await waitUntil("three refused canaries in the activity log", async () => {
      const rows = await database.db.activityLog.findMany({ where: { tenantId, reason: { startsWith: "refused forwarding canary" } } });
      return rows.length >= 3 ? rows : null;
    }, { context });
    expect(refused.map((r) => r.reason).sort()).toEqual([
      "refused forwarding canary: it already arrived once (a replay)",
      "refused forwarding canary: the token is not one this gateway signed for this tenant",
      "refused forwarding canary: the token is not one this gateway signed for this tenant",
    ]);
    const after = await database.db.forwardingCanary.findUniqueOrThrow({ where: { id: arrived.id } });
    expect(after.arrivedAt?.getTime()).toBe(arrived.arrivedAt!.getTime());
    expect(await database.db.forwardingCanary.count({ where: { tenantId } })).toBeGreaterThanOrEqual(unknown);
    expect(await database.db.ticket.count()).toBe(0);
  }, 60_000);

  it("R-HEALTH-1 a bounce notice for a canary counts it missed at once, with the receiver's words; never a ticket", async () => {
    const address = await database.db.canaryAddress.findFirstOrThrow({ where: { tenantId } });
    // A canary out there now (as the health job would have sent it): its bounce address names it.
    const canary = await database.db.forwardingCanary.create({ data: { tenantId, addressId: address.id, sentAt: new Date() } });
    const to = bounceAddress(TEST_APP_SECRET, { slug: "acme", messageId: canary.id }, TEST_INBOUND_DOMAIN);
    const dsn = buildDsn({
      to,
      reportingMta: "mx.msp.test",
      text: "The mail system could not deliver your message to <support@msp.test>.",
      finalRecipient: "support@msp.test",
      status: "5.2.1",
      diagnostic: "550 5.2.1 The email account that you tried to reach is disabled",
    });
    const sent = await sendMail(mta, { from: "", to: [to], data: dsn });
    expect(sent.final?.code, context()).toBe(250);
    const missed = await waitUntil("the canary counted missed by its bounce", async () => {
      const c = await database.db.forwardingCanary.findUniqueOrThrow({ where: { id: canary.id } });
      return c.bounceReason ? c : null;
    }, { context });
    expect(missed.missedAt).not.toBeNull();
    expect(missed.arrivedAt).toBeNull();
    expect(missed.bounceReason).toBe("bounced: 550 5.2.1 The email account that you tried to reach is disabled");
    const row = await database.db.activityLog.findFirstOrThrow({ where: { tenantId, envelopeTo: to } });
    expect(row).toMatchObject({ outcome: "DROPPED", reason: "forwarding canary bounced: counted as missed (see Health)" });
    expect(await database.db.ticket.count()).toBe(0);
  }, 60_000);
});
