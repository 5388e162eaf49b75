/**
 * RFC 5321 §4.5.1 over real SMTP (issue 19 item 10, R-IN-1): `postmaster@` is accepted on the inbound domain and on
 * every tenant subdomain. The gateway's own postmaster mail lands in the operator's Maildir under DATA_DIR; a
 * tenant's postmaster mail becomes a ticket in that tenant's helpdesk, where its admins answer it. Both providers.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { SmtpClient, sendMail, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { buildMessage, uniqueId } from "./helpers";

describe.each(testProviders())("postmaster on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let mta: MtaProcess;
  let acme: { id: string };

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

  it("R-IN-1 postmaster@ of the inbound domain and of a tenant subdomain is accepted (any case); unknown tenants' is not", async () => {
    const c = await SmtpClient.connect(mta.port);
    await c.command("EHLO client.example");
    expect((await c.command("MAIL FROM:<someone@remote.example>")).code).toBe(250);
    for (const rcpt of [`postmaster@${TEST_INBOUND_DOMAIN}`, `PostMaster@${TEST_INBOUND_DOMAIN.toUpperCase()}`, `postmaster@acme.${TEST_INBOUND_DOMAIN}`]) {
      const r = await c.command(`RCPT TO:<${rcpt}>`);
      expect(r.code, `${rcpt} → ${r.code} ${r.text}`).toBe(250);
    }
    expect((await c.command(`RCPT TO:<postmaster@nosuchtenant.${TEST_INBOUND_DOMAIN}>`)).code).toBe(550);
    await c.close();
  });

  it("R-IN-1 the gateway's postmaster mail reaches the operator's Maildir in DATA_DIR, as received", async () => {
    const messageId = uniqueId("remote.example");
    const raw = await buildMessage({ from: "admin@remote.example", to: `postmaster@${TEST_INBOUND_DOMAIN}`, messageId, subject: "Your gateway sends us spam?" });
    const result = await sendMail(mta, { from: "admin@remote.example", to: [`postmaster@${TEST_INBOUND_DOMAIN}`], data: raw });
    expect(result.final?.code, mta.output().slice(-2000)).toBe(250);
    const dir = path.join(mta.dataDir, "postmaster", "new");
    const files = readdirSync(dir);
    const stored = files.map((f) => readFileSync(path.join(dir, f), "latin1")).find((text) => text.includes(messageId));
    expect(stored).toContain("Subject: Your gateway sends us spam?");
    // No tenant got it.
    expect(await database.db.message.count({ where: { messageIdHeader: messageId } })).toBe(0);
  });

  it("R-IN-1 a tenant's postmaster mail becomes a ticket in that tenant's helpdesk", async () => {
    const messageId = uniqueId("remote.example");
    const to = `postmaster@acme.${TEST_INBOUND_DOMAIN}`;
    const raw = await buildMessage({ from: "abuse@remote.example", to, messageId, subject: "Abuse report about acme" });
    const result = await sendMail(mta, { from: "abuse@remote.example", to: [to], data: raw });
    expect(result.final?.code, mta.output().slice(-2000)).toBe(250);
    const message = await database.db.message.findFirstOrThrow({ where: { tenantId: acme.id, messageIdHeader: messageId }, include: { ticket: true } });
    expect(message.ticket).toMatchObject({ tenantId: acme.id, subject: "Abuse report about acme" });
  });
});
