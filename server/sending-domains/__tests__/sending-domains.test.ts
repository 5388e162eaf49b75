import { createPublicKey, createPrivateKey, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { startDnsServer, type TestDnsServer } from "../../../test/support/dns-server";
import { createResolver, type Resolver } from "../../dns/resolver";
import { AppError } from "../../errors";
import {
  addSendingDomain,
  chunkTxt,
  countSpfLookups,
  getSendingDomain,
  listSendingDomains,
  mergeSpf,
  recheckDueDomains,
  recordsToPublish,
  removeSendingDomain,
  resolveFromAddress,
  sendingDomainPrivateKey,
  setClientSendingOverride,
  setTenantDefaultFrom,
  setUserSendAs,
  verifySendingDomain,
  type SendingDomainView,
} from "../index";

const SECRET = "test-secret-0123456789-0123456789-abcdef";
const SPF_INCLUDE = "_spf.gw.test";
const INBOUND = "in.gw.test";

async function rejects(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected the call to be refused");
}

/** Publishes what recordsToPublish says, TXT values split in ≤255 strings as a DNS provider would. */
async function publishAll(dns: TestDnsServer, d: SendingDomainView, withDmarc = true): Promise<void> {
  const r = await recordsToPublish(d, { spfInclude: SPF_INCLUDE, dmarcRua: `dmarc-reports@acme.${INBOUND}` });
  dns.set(r.spf.host, [{ type: "TXT", data: r.spf.chunks }]);
  dns.set(r.dkim.host, [{ type: "TXT", data: r.dkim.chunks }]);
  if (withDmarc) dns.set(r.dmarc.host, [{ type: "TXT", data: r.dmarc.chunks }]);
}

describe("SPF merge and look-up counting (R-DOM-2)", () => {
  let dns: TestDnsServer;
  let resolver: Resolver;
  beforeAll(async () => {
    dns = await startDnsServer({
      // 3 (own) + nested: big.test includes 2 more that each cost 4 → 3 + 1 + 2 + 8 = well over 10.
      "big.test": [{ type: "TXT", data: "v=spf1 include:n1.test include:n2.test -all" }],
      "n1.test": [{ type: "TXT", data: "v=spf1 a mx exists:%{i}.x.test include:%{d}.spf.test -all" }],
      "n2.test": [{ type: "TXT", data: ["v=spf1 a mx ptr ", "include:leaf.test -all"] }],
      "leaf.test": [{ type: "TXT", data: "v=spf1 ip4:192.0.2.1 -all" }],
      "loop-a.test": [{ type: "TXT", data: "v=spf1 include:loop-b.test mx -all" }],
      "loop-b.test": [{ type: "TXT", data: "v=spf1 include:loop-a.test -all" }],
      "own.test": [{ type: "TXT", data: "v=spf1 include:big.test mx a -all" }],
      "small.test": [{ type: "TXT", data: "v=spf1 include:leaf.test redirect=leaf.test -all" }],
    });
    resolver = createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 });
  });
  afterAll(() => dns.close());

  it("R-DOM-2 merges our include before the existing all, keeping every mechanism", () => {
    expect(mergeSpf([], SPF_INCLUDE)).toBe("v=spf1 include:_spf.gw.test ~all");
    expect(mergeSpf(["v=spf1 include:_spf.google.com mx ip4:198.51.100.0/24 -all"], SPF_INCLUDE)).toBe(
      "v=spf1 include:_spf.google.com mx ip4:198.51.100.0/24 include:_spf.gw.test -all",
    );
    // Already there → unchanged; two records → folded into one, first all wins.
    expect(mergeSpf(["v=spf1 include:_spf.gw.test -all"], SPF_INCLUDE)).toBe("v=spf1 include:_spf.gw.test -all");
    expect(mergeSpf(["v=spf1 mx ~all", "v=spf1 a -all"], SPF_INCLUDE)).toBe("v=spf1 mx a include:_spf.gw.test ~all");
    expect(mergeSpf(["v=spf1 mx redirect=_spf.other.test"], SPF_INCLUDE)).toBe(
      "v=spf1 mx include:_spf.gw.test redirect=_spf.other.test",
    );
    expect(mergeSpf([], "ip4:203.0.113.5 ip6:2001:db8::1")).toBe("v=spf1 ip4:203.0.113.5 ip6:2001:db8::1 ~all");
  });

  it("R-DOM-2 counts nested includes per RFC 7208 and flags more than 10", async () => {
    // own: include(1) mx(1) a(1); big: include(1) include(1); n1: a mx exists include (4) + leaf (0);
    // n2: a mx ptr include (4) + leaf (0) → 3 + 2 + 4 + 4 = 13.
    const own = await countSpfLookups(resolver, "own.test");
    expect(own.lookups).toBe(13);
    expect(own.exceedsLimit).toBe(true);
    expect(own.problems.join()).toMatch(/macro/);
    // redirect is not evaluated when an all is present: include(1) only.
    const small = await countSpfLookups(resolver, "small.test");
    expect(small).toMatchObject({ lookups: 1, exceedsLimit: false, loops: [] });
  });

  it("R-DOM-2 survives an include loop and names it", async () => {
    const r = await countSpfLookups(resolver, "loop-a.test");
    // loop-a: include(1) mx(1); loop-b: include(1) back to loop-a, not walked again.
    expect(r.lookups).toBe(3);
    expect(r.loops).toEqual(["loop-a.test"]);
  });

  it("R-DOM-2 recordsToPublish shows the merged record and warns over 10 look-ups", async () => {
    const r = await recordsToPublish(
      { domain: "own.test", selector: "om202605", dkimPublicKey: "AAAA" },
      { spfInclude: SPF_INCLUDE, dmarcRua: "dmarc-reports@acme.in.gw.test", resolver },
    );
    expect(r.spf.value).toBe("v=spf1 include:big.test mx a include:_spf.gw.test -all");
    expect(r.spf.note).toMatch(/merged/);
    expect(r.warnings.join(" ")).toMatch(/needs 14 DNS lookups.*stop at 10/);
  });
});

describe.each(testProviders())("sending domains on %s", (provider) => {
  let t: TestDatabase;
  let dns: TestDnsServer;
  let resolver: Resolver;
  let tenantId: string;
  let otherTenantId: string;
  let main: SendingDomainView;
  let second: SendingDomainView;

  beforeAll(async () => {
    [t, dns] = await Promise.all([createTestDatabase(provider), startDnsServer()]);
    resolver = createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 });
    const mk = (slug: string) => t.db.tenant.create({ data: { slug, name: `${slug} MSP`, mtaStsPolicyId: "p1" } });
    tenantId = (await mk("acme")).id;
    otherTenantId = (await mk("other")).id;
    [main, second] = await Promise.all([
      addSendingDomain(t.db, { tenantId, domain: "Acme-MSP.Example", secret: SECRET }),
      addSendingDomain(t.db, { tenantId, domain: "bücher.example", secret: SECRET, selector: "s2" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([t?.drop(), dns?.close()]);
  });

  it("R-DOM-1 adds a domain: normalised, RSA-2048 key, private key sealed, dated selector", async () => {
    expect(main.domain).toBe("acme-msp.example");
    expect(second.domain).toBe("xn--bcher-kva.example");
    expect(main.selector).toMatch(/^om\d{6}$/);
    const pub = createPublicKey({ key: Buffer.from(main.dkimPublicKey, "base64"), format: "der", type: "spki" });
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const row = await t.db.sendingDomain.findUniqueOrThrow({ where: { id: main.id } });
    expect(row.dkimPrivateKeyEnc).toMatch(/^v1\./);
    expect(row.dkimPrivateKeyEnc).not.toContain("PRIVATE KEY");
    const pem = await sendingDomainPrivateKey(t.db, SECRET, tenantId, main.id);
    const derived = createPublicKey(createPrivateKey(pem)).export({ type: "spki", format: "der" }).toString("base64");
    expect(derived).toBe(main.dkimPublicKey);
    expect(main).not.toHaveProperty("dkimPrivateKeyEnc");
  });

  it("R-DOM-1 refuses invalid and duplicate domains with the field named; scoped to the tenant", async () => {
    for (const bad of ["not a domain", "localhost", "a@b.com", "-x.example", "192.0.2.1", ""]) {
      const err = await rejects(addSendingDomain(t.db, { tenantId, domain: bad, secret: SECRET }));
      expect([err.code, err.field]).toEqual(["BAD_INPUT", "domain"]);
    }
    const dup = await rejects(addSendingDomain(t.db, { tenantId, domain: "ACME-msp.example.", secret: SECRET }));
    expect(dup.code).toBe("CONFLICT");
    expect((await listSendingDomains(t.db, tenantId)).map((d) => d.domain)).toEqual(["acme-msp.example", "xn--bcher-kva.example"]);
    expect(await listSendingDomains(t.db, otherTenantId)).toEqual([]);
    expect((await rejects(getSendingDomain(t.db, otherTenantId, main.id))).code).toBe("NOT_FOUND");
    expect((await rejects(removeSendingDomain(t.db, otherTenantId, main.id))).code).toBe("NOT_FOUND");
  });

  it("R-DOM-1 guards: public suffixes and free-mail domains are refused as sending domains, naming why", async () => {
    for (const suffix of ["co.uk", "CO.UK.", "github.io", "com"]) {
      const err = await rejects(addSendingDomain(t.db, { tenantId, domain: suffix, secret: SECRET }));
      expect([err.code, err.field]).toEqual(["BAD_INPUT", "domain"]);
      if (suffix !== "com") expect(err.message).toMatch(/is a public suffix/);
    }
    for (const free of ["gmail.com", "Outlook.com", "mail.gmail.com"]) {
      const err = await rejects(addSendingDomain(t.db, { tenantId, domain: free, secret: SECRET }));
      expect([err.code, err.field]).toEqual(["BAD_INPUT", "domain"]);
      expect(err.message).toMatch(/free-mail provider/);
    }
    // A registrable domain under a public suffix is fine.
    const ok = await addSendingDomain(t.db, { tenantId, domain: "guard-msp.co.uk", secret: SECRET });
    expect(ok.domain).toBe("guard-msp.co.uk");
    await removeSendingDomain(t.db, tenantId, ok.id);
    expect(await t.db.sendingDomain.count({ where: { tenantId, domain: { in: ["co.uk", "gmail.com", "github.io"] } } })).toBe(0);
  });

  it("R-DOM-1 records to publish: host, type, value and ≤255-character chunks", async () => {
    const r = await recordsToPublish(main, { spfInclude: SPF_INCLUDE, dmarcRua: "dmarc-reports@acme.in.gw.test" });
    expect(r.spf).toMatchObject({ host: "acme-msp.example", relativeHost: "@", type: "TXT", value: "v=spf1 include:_spf.gw.test ~all" });
    expect(r.dkim.host).toBe(`${main.selector}._domainkey.acme-msp.example`);
    expect(r.dkim.relativeHost).toBe(`${main.selector}._domainkey`);
    expect(r.dkim.value).toBe(`v=DKIM1; k=rsa; p=${main.dkimPublicKey}`);
    expect(r.dkim.chunks.length).toBeGreaterThan(1);
    expect(r.dkim.chunks.every((c) => c.length <= 255)).toBe(true);
    expect(r.dkim.chunks.join("")).toBe(r.dkim.value);
    expect(r.dmarc).toMatchObject({ host: "_dmarc.acme-msp.example", required: false, value: "v=DMARC1; p=none; rua=mailto:dmarc-reports@acme.in.gw.test" });
  });

  it("R-DOM-3 missing records are reported as missing; DMARC only as recommended", async () => {
    const c = await verifySendingDomain(t.db, { tenantId, id: main.id, resolver, spfInclude: SPF_INCLUDE });
    expect([c.spf.status, c.dkim.status, c.dmarc.status, c.verified]).toEqual(["missing", "missing", "missing", false]);
    expect(c.dkim.message).toBe(`DKIM record at ${main.selector}._domainkey.acme-msp.example is missing`);
    expect(c.dmarc.message).toMatch(/recommended, not required/);
    const row = await getSendingDomain(t.db, tenantId, main.id);
    expect(row).toMatchObject({ spfStatus: "missing", dkimStatus: "missing", dmarcStatus: "missing", verified: false });
    expect(row.lastCheckedAt).toBeInstanceOf(Date);
  });

  it("R-OUT-2 R-DOM-4 an unverified domain is refused as From, naming the unmet record", async () => {
    const err = await rejects(setTenantDefaultFrom(t.db, { tenantId, address: "support@acme-msp.example", name: "Acme" }));
    expect([err.code, err.field]).toEqual(["PRECONDITION", "defaultFromAddress"]);
    expect(err.message).toContain(`DKIM record at ${main.selector}._domainkey.acme-msp.example is missing`);
    const unknown = await rejects(setTenantDefaultFrom(t.db, { tenantId, address: "support@elsewhere.example" }));
    expect([unknown.code, unknown.field]).toEqual(["BAD_INPUT", "defaultFromAddress"]);
    expect(unknown.message).toMatch(/elsewhere\.example is not one of your sending domains/);
    const inj = await rejects(setTenantDefaultFrom(t.db, { tenantId, address: "support@acme-msp.example\r\nBcc: x@y.z" }));
    expect([inj.code, inj.field]).toEqual(["BAD_INPUT", "defaultFromAddress"]);
    // Resolution at send time refuses too (the tenant default is written directly, as a stale setting would be).
    await t.db.tenant.update({ where: { id: tenantId }, data: { defaultFromAddress: "support@acme-msp.example" } });
    const send = await rejects(resolveFromAddress(t.db, { tenantId }));
    expect(send.code).toBe("PRECONDITION");
    expect(send.message).toContain(`DKIM record at ${main.selector}._domainkey.acme-msp.example is missing`);
  });

  it("R-DOM-3 correct records published as split TXT strings → all verified", async () => {
    await publishAll(dns, main);
    const c = await verifySendingDomain(t.db, { tenantId, id: main.id, resolver, spfInclude: SPF_INCLUDE, inboundDomain: INBOUND });
    expect([c.spf.status, c.dkim.status, c.dmarc.status, c.verified]).toEqual(["verified", "verified", "verified", true]);
    expect(c.dmarc.message).not.toMatch(/add rua/);
    const row = await getSendingDomain(t.db, tenantId, main.id);
    expect(row).toMatchObject({ spfStatus: "verified", dkimStatus: "verified", dmarcStatus: "verified", verified: true });
    expect(JSON.parse(row.checkJson!)).toMatchObject({ verified: true, dkim: { status: "verified" } });
  });

  it("R-DOM-3 wrong key, two SPF records, SPF without our include, DMARC without p= are each named", async () => {
    const r = await recordsToPublish(second, { spfInclude: SPF_INCLUDE, dmarcRua: "x@y.example" });
    const host = r.dkim.host;
    const third = {
      dkimPublicKey: generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    };
    const check = () => verifySendingDomain(t.db, { tenantId, id: second.id, resolver, spfInclude: SPF_INCLUDE });

    dns.set(second.domain, [
      { type: "TXT", data: "v=spf1 include:_spf.gw.test -all" },
      { type: "TXT", data: "v=spf1 mx -all" },
      { type: "TXT", data: "google-site-verification=abc" },
    ]);
    dns.set(host, [{ type: "TXT", data: chunkTxt(`v=DKIM1; k=rsa; p=${main.dkimPublicKey}`) }]);
    dns.set(`_dmarc.${second.domain}`, [{ type: "TXT", data: "v=DMARC1; rua=mailto:x@y.example" }]);
    let c = await check();
    expect(c.spf.status).toBe("wrong");
    expect(c.spf.message).toMatch(/there are 2 SPF records/);
    expect(c.spf.found).toHaveLength(2);
    expect(c.dkim.status).toBe("wrong");
    expect(c.dkim.message).toMatch(/does not match the key generated/);
    expect(c.dmarc.status).toBe("wrong");
    expect(c.dmarc.message).toMatch(/no p= \(policy\) tag/);
    expect(c.verified).toBe(false);

    dns.set(second.domain, [{ type: "TXT", data: "v=spf1 mx -all" }]);
    // Two real 2048-bit keys (the old one left behind beside the new one), each split in 255-character strings:
    // together with a third they do not fit one UDP answer, so the resolver retries over TCP.
    dns.set(host, [
      { type: "TXT", data: chunkTxt(`v=DKIM1; k=rsa; p=${main.dkimPublicKey}`) },
      { type: "TXT", data: r.dkim.chunks },
      { type: "TXT", data: chunkTxt(`v=DKIM1; k=rsa; p=${third.dkimPublicKey}`) },
    ]);
    c = await check();
    expect(c.spf.message).toMatch(/does not contain include:_spf\.gw\.test/);
    expect(c.dkim.status).toBe("wrong");
    expect(c.dkim.message).toMatch(/there are 3 DKIM records at this name; publish only one/);
    expect(c.dkim.found).toHaveLength(3);
    expect(c.dkim.found).toContain(r.dkim.value);
    dns.set(host, [{ type: "TXT", data: chunkTxt(`v=DKIM1; k=rsa; p=${main.dkimPublicKey}`) }, { type: "TXT", data: r.dkim.chunks }]);
    c = await check();
    expect(c.dkim.message).toMatch(/there are 2 DKIM records at this name/);

    // Fixed: SPF merged, one DKIM record, DMARC removed → verified (DMARC is not required).
    dns.set(second.domain, [{ type: "TXT", data: mergeSpf(["v=spf1 mx -all"], SPF_INCLUDE) }]);
    dns.set(host, [{ type: "TXT", data: r.dkim.chunks }]);
    dns.remove(`_dmarc.${second.domain}`);
    c = await check();
    expect([c.spf.status, c.dkim.status, c.dmarc.status, c.verified]).toEqual(["verified", "verified", "missing", true]);
  });

  it("R-OUT-1 R-DOM-4 From resolution: send-as → client override → tenant default, setters enforce verification", async () => {
    await setTenantDefaultFrom(t.db, { tenantId, address: "Support@ACME-MSP.example", name: "Acme Support" });
    const user = await t.db.user.create({ data: { id: "u1", name: "Tess Tech", email: "tess@acme.test", tenantId } });
    const client = await t.db.client.create({ data: { tenantId, name: "Client Co" } });

    let from = await resolveFromAddress(t.db, { tenantId, userId: user.id, clientId: client.id });
    expect(from).toMatchObject({ address: "Support@acme-msp.example", name: "Acme Support", source: "tenant" });
    expect(from.sendingDomain).toEqual({ id: main.id, domain: "acme-msp.example", selector: main.selector });

    // Client override with a domain only: the default's mailbox name on the client's domain.
    await setClientSendingOverride(t.db, { tenantId, clientId: client.id, sendingDomainId: second.id });
    from = await resolveFromAddress(t.db, { tenantId, userId: user.id, clientId: client.id });
    expect(from).toMatchObject({ address: "Support@xn--bcher-kva.example", source: "client", name: "Acme Support" });
    await setClientSendingOverride(t.db, {
      tenantId, clientId: client.id, sendingDomainId: second.id, address: "helpdesk@bücher.example", name: "Client Co IT",
    });
    from = await resolveFromAddress(t.db, { tenantId, userId: user.id, clientId: client.id });
    expect(from).toMatchObject({ address: "helpdesk@xn--bcher-kva.example", name: "Client Co IT", source: "client" });
    const wrongDomain = await rejects(
      setClientSendingOverride(t.db, { tenantId, clientId: client.id, sendingDomainId: second.id, address: "a@acme-msp.example" }),
    );
    expect([wrongDomain.code, wrongDomain.field]).toEqual(["BAD_INPUT", "sendingAddress"]);

    await setUserSendAs(t.db, { tenantId, userId: user.id, address: "tess@acme-msp.example", name: null });
    from = await resolveFromAddress(t.db, { tenantId, userId: user.id, clientId: client.id });
    expect(from).toMatchObject({ address: "tess@acme-msp.example", name: "Tess Tech", source: "user" });
    // Another tenant's user or client is never consulted.
    const cross = await rejects(resolveFromAddress(t.db, { tenantId: otherTenantId, userId: user.id, clientId: client.id }));
    expect([cross.code, cross.field]).toEqual(["PRECONDITION", "defaultFromAddress"]);

    const bad = await rejects(setUserSendAs(t.db, { tenantId, userId: user.id, address: "tess@unknown.example" }));
    expect([bad.code, bad.field]).toEqual(["BAD_INPUT", "sendAsAddress"]);
    const nameInj = await rejects(setUserSendAs(t.db, { tenantId, userId: user.id, address: "tess@acme-msp.example", name: "T\r\nBcc: x@y.z" }));
    expect([nameInj.code, nameInj.field]).toEqual(["BAD_INPUT", "sendAsName"]);
    await setUserSendAs(t.db, { tenantId, userId: user.id, address: null });
    from = await resolveFromAddress(t.db, { tenantId, userId: user.id, clientId: client.id });
    expect(from.source).toBe("client");
  });

  it("R-DOM-3 the scheduled re-check flags drift (verified → not) and leaves fresh domains alone", async () => {
    const none = await recheckDueDomains(t.db, { resolver, spfInclude: SPF_INCLUDE, olderThan: new Date(Date.now() - 3_600_000) });
    expect(none.checked).toBe(0);
    dns.remove(`${main.selector}._domainkey.${main.domain}`);
    const r = await recheckDueDomains(t.db, { resolver, spfInclude: SPF_INCLUDE, olderThan: new Date(Date.now() + 1000) });
    expect(r.checked).toBe(2);
    expect(r.failed).toEqual([]);
    expect(r.drifted).toEqual([
      { id: main.id, tenantId, domain: main.domain, problems: [`DKIM record at ${main.selector}._domainkey.acme-msp.example is missing`] },
    ]);
    expect((await getSendingDomain(t.db, tenantId, main.id)).verified).toBe(false);
    // R-OUT-2: the tenant default on the drifted domain is now refused at send time, naming the record.
    const err = await rejects(resolveFromAddress(t.db, { tenantId }));
    expect(err.message).toContain(`DKIM record at ${main.selector}._domainkey.acme-msp.example is missing`);
  });
});
