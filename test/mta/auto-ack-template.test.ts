/**
 * R-IN-9 over real SMTP: the acknowledgement the pipeline queues uses the wording the tenant saved in the
 * Inbound settings (server/tenants/auto-ack-settings.ts), with every placeholder filled; and a tenant with no
 * sending domain yet acknowledges from its gateway address, signed with the gateway's own key (R-UX-1).
 */
import { dkimVerify } from "mailauth/lib/dkim/verify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResolver } from "../../server/dns/resolver";
import { tenantMailbox } from "../../server/mail/addresses";
import { gatewayDkim } from "../../server/sending-domains/gateway-dkim";
import { updateAutoAckSettings } from "../../server/tenants/auto-ack-settings";
import { createTestDatabase, testProviders, WEB_PROCESS_DB_OPTIONS, type TestDatabase } from "../support/database";
import { splitTxt, startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { sendMail, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { buildMessage, uniqueId } from "./helpers";

type DNSResolver = NonNullable<Parameters<typeof dkimVerify>[1]>["resolver"];

describe.each(testProviders())("auto-acknowledgement wording on %s", (provider) => {
  let database: TestDatabase;
  let mta: MtaProcess;
  let dns: TestDnsServer;
  let tenant: { id: string; name: string };

  beforeAll(async () => {
    database = await createTestDatabase(provider, WEB_PROCESS_DB_OPTIONS);
    tenant = await createTenantRow(database.db, "ackwords");
    // The customer's mail authenticates (SPF pass, no DMARC record): it may be acknowledged (R-IN-9).
    dns = await startDnsServer({ "customer.example": [{ type: "TXT" as const, data: "v=spf1 ip4:127.0.0.1 -all" }] });
    mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address });
  });

  afterAll(async () => {
    await mta?.stop();
    await dns?.close();
    await database?.drop();
  });

  it("R-IN-9: a new ticket is acknowledged with the tenant's saved subject and template, placeholders filled", async () => {
    await updateAutoAckSettings(database.db, tenant.id, {
      enabled: true,
      subject: "Got it: {{subject}} [#{{ticketNumber}}]",
      template:
        "Hi {{requesterName}} ({{ ticketNumber }}),\n{{tenantName}} is on it: {{subject}}.\nHello{{requesterNameComma}}",
      perSenderHour: 2,
    });
    const messageId = uniqueId("customer.example");
    const raw = await buildMessage({
      from: "Carol Customer <carol@customer.example>",
      to: tenantMailbox("ackwords", TEST_INBOUND_DOMAIN),
      subject: "Laptop fan noise",
      messageId,
    });
    const result = await sendMail(mta, {
      from: "carol@customer.example",
      to: [tenantMailbox("ackwords", TEST_INBOUND_DOMAIN)],
      data: raw,
    });
    expect(result.final?.code, mta.output().slice(-3000)).toBe(250);

    const inbound = await database.db.message.findFirstOrThrow({
      where: { tenantId: tenant.id, messageIdHeader: messageId },
      include: { ticket: true },
    });
    const n = inbound.ticket.number;
    const ack = await database.db.message.findFirstOrThrow({
      where: { ticketId: inbound.ticketId, kind: "AUTO_ACK" },
      include: { source: true },
    });
    expect(ack.subject).toBe(`Got it: Laptop fan noise [#${n}]`);
    expect(ack.textBody).toBe(
      `Hi Carol Customer (${n}),\n${tenant.name} is on it: Laptop fan noise.\nHello Carol Customer,`,
    );
    expect(Buffer.from(ack.source!.raw).toString()).toContain(`Subject: Got it: Laptop fan noise [#${n}]`);

    // R-UX-1: no sending domain yet, so it comes from the gateway address, DKIM-signed with the gateway's key (the
    // one the MTA generated into its data directory), and the signature verifies against that published key.
    expect(ack.fromAddress).toBe(tenantMailbox("ackwords", TEST_INBOUND_DOMAIN));
    const key = gatewayDkim({ inboundDomain: TEST_INBOUND_DOMAIN, selector: mta.env.GATEWAY_DKIM_SELECTOR ?? "gateway", dataDir: mta.dataDir });
    dns.set(`${key.selector}._domainkey.${TEST_INBOUND_DOMAIN}`, [{ type: "TXT", data: splitTxt(`v=DKIM1; k=rsa; p=${key.publicKeyBase64}`) }]);
    const resolver = createResolver({ servers: [dns.address], timeoutMs: 1_000, tries: 1 });
    const verified = await dkimVerify(Buffer.from(ack.source!.raw), { resolver: resolver as DNSResolver });
    expect(verified.results[0]).toMatchObject({ signingDomain: TEST_INBOUND_DOMAIN, selector: key.selector, status: { result: "pass" } });
  });
});
