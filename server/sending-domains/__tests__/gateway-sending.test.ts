/**
 * R-UX-1 day-one sending: a tenant with no From configured replies from its gateway address, signed with the
 * gateway's own key (generated once into DATA_DIR, or GATEWAY_DKIM_KEY); once a verified domain is the default
 * support address the next reply goes out from it, and both replies carry the same thread headers.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DNSResolver } from "mailauth";
import { dkimVerify } from "mailauth/lib/dkim/verify";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { startDnsServer, type TestDnsServer } from "../../../test/support/dns-server";
import { createResolver, type Resolver } from "../../dns/resolver";
import { AppError } from "../../errors";
import { parseOutboundMessageId, queueReply } from "../../outbound";
import { replyFrom } from "../../tickets/reply-from";
import {
  addSendingDomain,
  gatewayDkim,
  gatewayDkimKeyFile,
  gatewayRecords,
  recordsToPublish,
  resolveFromAddress,
  setTenantDefaultFrom,
  verifySendingDomain,
} from "..";

const SECRET = "gateway-test-secret-0123456789-0123456789";
const INBOUND = "in.gw-dayone.test";
const SPF_INCLUDE = "_spf.gw-dayone.test";
const SELECTOR = "gateway";

describe("gateway DKIM key (R-UX-1)", () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(path.join(tmpdir(), "gw-dkim-"));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("R-UX-1 is generated once into DATA_DIR and read back by the next process", () => {
    const dataDir = dir();
    const first = gatewayDkim({ inboundDomain: INBOUND, selector: SELECTOR, dataDir });
    expect(readFileSync(gatewayDkimKeyFile(dataDir), "utf8")).toBe(first.privateKeyPem);
    // Another process (another cache key: a different selector) reads the same file instead of generating anew.
    const second = gatewayDkim({ inboundDomain: INBOUND, selector: "other", dataDir });
    expect(second.publicKeyBase64).toBe(first.publicKeyBase64);
  });

  it("R-UX-1 GATEWAY_DKIM_KEY (PEM text with \\n escapes, or a file) wins over the generated one", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "der" },
    });
    const dataDir = dir();
    const k = gatewayDkim({ inboundDomain: INBOUND, selector: SELECTOR, dataDir, configuredKey: privateKey.replace(/\n/g, "\\n") });
    expect(k.publicKeyBase64).toBe(publicKey.toString("base64"));
    const records = await gatewayRecords(k, { spfInclude: SPF_INCLUDE });
    expect(records.dkim).toMatchObject({ host: `${SELECTOR}._domainkey.${INBOUND}`, value: `v=DKIM1; k=rsa; p=${k.publicKeyBase64}` });
    expect(records.spf).toMatchObject({ host: INBOUND, value: `v=spf1 include:${SPF_INCLUDE} ~all` });
    expect(records.dmarc.host).toBe(`_dmarc.${INBOUND}`);
    expect(() => gatewayDkim({ inboundDomain: INBOUND, selector: SELECTOR, dataDir, configuredKey: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----" })).toThrow(
      /GATEWAY_DKIM_KEY/,
    );
  });
});

describe.each(testProviders())("day-one sending on %s", (provider) => {
  let t: TestDatabase;
  let dns: TestDnsServer;
  let resolver: Resolver;
  let tenantId: string;
  let userId: string;
  let ticketId: string;
  let dataDir: string;

  beforeAll(async () => {
    [t, dns] = await Promise.all([createTestDatabase(provider), startDnsServer()]);
    resolver = createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 });
    dataDir = mkdtempSync(path.join(tmpdir(), "gw-dkim-"));
    tenantId = (await t.db.tenant.create({ data: { slug: "newmsp", name: "New MSP Ltd", mtaStsPolicyId: "p1" } })).id;
    userId = (await t.db.user.create({ data: { id: "nia1", name: "Nia New", email: "nia@newmsp.test", tenantId } })).id;
    const client = await t.db.client.create({ data: { tenantId, name: "Client Co" } });
    const contactId = (await t.db.contact.create({ data: { tenantId, clientId: client.id, email: "jane@client.example" } })).id;
    ticketId = (
      await t.db.ticket.create({ data: { tenantId, number: 1, subject: "Printer offline", clientId: client.id, requesterId: contactId } })
    ).id;
    await t.db.message.create({
      data: { tenantId, ticketId, direction: "INBOUND", messageIdHeader: "root@client.example", fromAddress: "jane@client.example", subject: "Printer offline", sentAt: new Date("2026-05-01T09:00:00Z") },
    });
  });
  afterAll(async () => {
    await Promise.all([t?.drop(), dns?.close()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("R-UX-1 without a configured From: refused without the gateway, the gateway address with it", async () => {
    const err = await resolveFromAddress(t.db, { tenantId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("PRECONDITION");
    const from = await resolveFromAddress(t.db, { tenantId, userId }, { inboundDomain: INBOUND, selector: SELECTOR });
    expect(from).toEqual({
      address: `support@newmsp.${INBOUND}`,
      name: "New MSP Ltd",
      source: "gateway",
      sendingDomain: null,
      signing: { domain: INBOUND, selector: SELECTOR },
    });
    // The composer's preview is the same resolution.
    expect(await replyFrom(t.db, { tenantId, userId, gateway: { inboundDomain: INBOUND, selector: SELECTOR } }, { ticketId })).toEqual({
      ok: true,
      address: `support@newmsp.${INBOUND}`,
      name: "New MSP Ltd",
      source: "gateway",
    });
  });

  it("R-UX-1 replies go out from the gateway address signed by the gateway's key, then from the verified domain in the same thread", async () => {
    const key = gatewayDkim({ inboundDomain: INBOUND, selector: SELECTOR, dataDir });
    const gw = await gatewayRecords(key, { spfInclude: SPF_INCLUDE });
    for (const r of [gw.spf, gw.dkim, gw.dmarc]) dns.set(r.host, [{ type: "TXT", data: r.chunks }]);
    const send = (bodyText: string) =>
      queueReply(t.db, {
        tenantId, ticketId, authorId: userId, to: ["jane@client.example"], bodyText, secret: SECRET, inboundDomain: INBOUND,
        gatewayDkim: { domain: key.domain, selector: key.selector, privateKeyPem: key.privateKeyPem },
      });

    const first = await send("Day one.");
    expect(first.from).toEqual({ address: `support@newmsp.${INBOUND}`, name: "New MSP Ltd" });
    const raw1 = Buffer.from((await t.db.messageSource.findUniqueOrThrow({ where: { messageId: first.messageId } })).raw);
    const v1 = await dkimVerify(raw1, { resolver: resolver as DNSResolver });
    expect(v1.results[0]).toMatchObject({ signingDomain: INBOUND, selector: SELECTOR, status: { result: "pass" } });

    // The MSP's domain is verified and chosen: the next reply goes out from it.
    const domain = await addSendingDomain(t.db, { tenantId, domain: "newmsp.example", secret: SECRET });
    const r = await recordsToPublish(domain, { spfInclude: SPF_INCLUDE, dmarcRua: `dmarc-reports@newmsp.${INBOUND}` });
    for (const rec of [r.spf, r.dkim, r.dmarc]) dns.set(rec.host, [{ type: "TXT", data: rec.chunks }]);
    expect((await verifySendingDomain(t.db, { tenantId, id: domain.id, resolver, spfInclude: SPF_INCLUDE })).verified).toBe(true);
    await setTenantDefaultFrom(t.db, { tenantId, address: "support@newmsp.example", name: "New MSP Support" });
    const second = await send("Day two.");
    expect(second.from).toEqual({ address: "support@newmsp.example", name: "New MSP Support" });
    const raw2 = Buffer.from((await t.db.messageSource.findUniqueOrThrow({ where: { messageId: second.messageId } })).raw);
    const v2 = await dkimVerify(raw2, { resolver: resolver as DNSResolver });
    expect(v2.results[0]).toMatchObject({ signingDomain: "newmsp.example", status: { result: "pass" } });

    // Threading does not depend on the From domain: both name the ticket and answer the client's message.
    const [p1, p2] = await Promise.all([simpleParser(raw1), simpleParser(raw2)]);
    expect(parseOutboundMessageId(SECRET, p1.messageId!)).toMatchObject({ slug: "newmsp", ticketId });
    expect(parseOutboundMessageId(SECRET, p2.messageId!)).toMatchObject({ slug: "newmsp", ticketId });
    expect(p1.inReplyTo).toBe("<root@client.example>");
    expect(p2.inReplyTo).toBe("<root@client.example>");
    expect(p1.replyTo?.value[0]?.address).toBe(p2.replyTo?.value[0]?.address);
  });
});
