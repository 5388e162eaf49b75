/**
 * R-IN-3 over real SMTP: forwarding breaks SPF (the forwarder's IP is not the sender's) and, when the hop
 * rewrites the message (subject tag, footer), DKIM too, so DMARC fails. With p=reject that is a drop, unless a
 * trusted ARC sealer (Microsoft 365 and Google by default: the MTA runs with the default TRUSTED_ARC_SEALERS)
 * sealed an earlier DMARC pass. The hop is played in the test: it authenticates the message as it arrived from
 * the sender, rewrites it, and seals with mailauth's sealer and a key published in the local DNS server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// Sub-module import: mailauth's entry module needs Node ≥ 22.19 (see server/mail/authenticate.ts).
import { sealMessage } from "mailauth/lib/arc";
import { authenticateMessage } from "../../server/mail/authenticate";
import { tenantMailbox } from "../../server/mail/addresses";
import { createResolver } from "../../server/dns/resolver";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { sendMail, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { buildMessage, dkimSignRaw, generateDkimKey, publishDkimKey, uniqueId, type DkimKey } from "./helpers";

/** The sender's own outbound IP: the only one its SPF record allows. The MTA sees 127.0.0.1 (the forwarder). */
const SENDER_IP = "192.0.2.10";
const SENDER = "jane@origin.example";

describe.each(testProviders())("ARC on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let mta: MtaProcess;
  let tenant: { id: string };
  let senderKey: DkimKey;
  let microsoftKey: DkimKey;
  let untrustedKey: DkimKey;

  const mailbox = () => tenantMailbox("arcmsp", TEST_INBOUND_DOMAIN);

  /** The original message as the sender's server sent it: DKIM-signed by origin.example. */
  async function original(messageId: string): Promise<Buffer> {
    const raw = await buildMessage({
      from: `Jane Sender <${SENDER}>`,
      to: "support@msp-forwarding.example",
      subject: "VPN drops every hour",
      text: "Hello,\n\nour VPN connection drops every hour since Monday.\n\nJane",
      messageId,
    });
    return dkimSignRaw(raw, senderKey);
  }

  /**
   * The forwarding hop (e.g. the MSP's Microsoft 365 mailbox rule): records what it saw on arrival (SPF, DKIM and
   * DMARC pass), tags the subject and appends a footer (DKIM no longer verifies), then optionally ARC-seals.
   */
  async function forward(raw: Buffer, sealer: DkimKey | null): Promise<Buffer> {
    const seen = await authenticateMessage({
      raw,
      ip: SENDER_IP,
      helo: "mail.origin.example",
      mailFrom: SENDER,
      resolver: createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 }),
      mta: "mx.hop.example",
    });
    expect(seen.dmarc, "the hop must have seen a DMARC pass").toBe("pass");
    const text = raw.toString("latin1");
    const tagged = text.replace(/^Subject: /m, "Subject: [EXTERNAL] ");
    expect(tagged).not.toBe(text);
    const modified = Buffer.from(`${tagged}-- \r\nThis message was forwarded by a mailbox rule.\r\n`, "latin1");
    if (!sealer) return modified;
    const arcHeaders = await sealMessage(modified, {
      signingDomain: sealer.domain,
      selector: sealer.selector,
      privateKey: sealer.privateKeyPem,
      cv: "none",
      authResults: seen.details.authResults,
    });
    expect(arcHeaders.toString()).toMatch(/^ARC-Seal: i=1;/);
    return Buffer.concat([arcHeaders, modified]);
  }

  /** Delivers over SMTP from 127.0.0.1 with the sender's MAIL FROM (not rewritten, as Microsoft 365 forwards). */
  async function deliver(raw: Buffer) {
    const result = await sendMail(mta, { from: SENDER, to: [mailbox()], data: raw });
    expect(result.final?.code, `${JSON.stringify(result.final)}\n${mta.output().slice(-3000)}`).toBe(250);
  }

  const activity = (messageIdHeader: string) =>
    database.db.activityLog.findMany({ where: { tenantId: tenant.id, messageIdHeader, direction: "INBOUND" } });
  const stored = (messageIdHeader: string) =>
    database.db.message.findFirst({ where: { tenantId: tenant.id, messageIdHeader }, include: { ticket: true } });

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    senderKey = generateDkimKey("origin.example", "s2026");
    microsoftKey = generateDkimKey("microsoft.com", "arcselector9901");
    untrustedKey = generateDkimKey("forwarder.example", "arc");
    dns = await startDnsServer({
      // SPF allows only the sender's own IP, so the forwarder's 127.0.0.1 fails; DMARC p=reject, split in two strings.
      "origin.example": [{ type: "TXT", data: [`v=spf1 ip4:${SENDER_IP} `, "-all"] }],
      "_dmarc.origin.example": [{ type: "TXT", data: ["v=DMARC1; p=reject; ", "adkim=r; aspf=r"] }],
    });
    publishDkimKey(dns, senderKey);
    publishDkimKey(dns, microsoftKey);
    publishDkimKey(dns, untrustedKey);
    tenant = await createTenantRow(database.db, "arcmsp");
    mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address });
  });

  afterAll(async () => {
    await mta?.stop();
    await dns?.close();
    await database?.drop();
  });

  it("R-IN-3: forwarded through a hop that breaks SPF and DKIM but ARC-sealed by a trusted sealer (microsoft.com) → delivered as a ticket", async () => {
    const messageId = uniqueId("origin.example");
    await deliver(await forward(await original(messageId), microsoftKey));

    const message = await stored(messageId);
    expect(message, mta.output().slice(-3000)).not.toBeNull();
    expect(message!.ticket.subject).toBe("[EXTERNAL] VPN drops every hour");
    expect(message!.ticket.number).toBeGreaterThan(0);
    // The forwarding failures are still recorded: SPF and DMARC fail, ARC passes and vouches.
    expect(message).toMatchObject({ spf: "fail", dmarc: "fail", arc: "pass" });
    // mailauth reports a body-hash mismatch as "neutral": the signature no longer verifies.
    expect(message!.dkim).not.toBe("pass");
    const rows = await activity(messageId);
    expect(rows).toEqual([
      expect.objectContaining({
        outcome: "DELIVERED",
        ticketId: message!.ticketId,
        spf: "fail",
        dmarc: "fail",
        arc: "pass",
      }),
    ]);
  });

  it("R-IN-3: the same forwarded message without an ARC seal (DMARC p=reject) → accepted at SMTP, no ticket, dropped with reason dmarc", async () => {
    const messageId = uniqueId("origin.example");
    const before = await database.db.ticket.count({ where: { tenantId: tenant.id } });
    await deliver(await forward(await original(messageId), null));

    expect(await stored(messageId)).toBeNull();
    expect(await database.db.ticket.count({ where: { tenantId: tenant.id } })).toBe(before);
    expect(await activity(messageId)).toEqual([
      expect.objectContaining({
        outcome: "DROPPED",
        reason: "dmarc",
        spf: "fail",
        dkim: "neutral",
        dmarc: "fail",
        ticketId: null,
      }),
    ]);
  });

  it("R-IN-3: sealed by a sealer that is not trusted (forwarder.example) → dropped with reason dmarc", async () => {
    const messageId = uniqueId("origin.example");
    await deliver(await forward(await original(messageId), untrustedKey));

    expect(await stored(messageId)).toBeNull();
    expect(await activity(messageId)).toEqual([
      expect.objectContaining({ outcome: "DROPPED", reason: "dmarc", dmarc: "fail", arc: "pass", ticketId: null }),
    ]);
  });
});
