/**
 * R-IN-2 / R-IN-3 against a real local DNS server (no DNS mocks). Keys are generated per run; every TXT record
 * that is longer than 255 bytes is published split (DKIM keys always are), and the DMARC/SPF records of one
 * domain are split on purpose too, so mailauth's joining of character-strings is exercised.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
// Sub-module imports: mailauth's entry module needs Node ≥ 22.19 (see authenticate.ts).
import { dkimSign } from "mailauth/lib/dkim/sign";
import { sealMessage } from "mailauth/lib/arc";
import { startDnsServer, splitTxt, type TestDnsServer } from "../../../test/support/dns-server.ts";
import { countTurns } from "../../../test/support/event-loop-turns.ts";
import { createResolver, type Resolver } from "../../dns/resolver.ts";
import { authenticateMessage, isSenderAuthenticated } from "../authenticate.ts";
import { SLICE_BYTES } from "../buffer-slices.ts";

const SENDER_IP = "192.0.2.10";
const FORWARDER_IP = "198.51.100.7";
const OTHER_IP = "203.0.113.99";
const TRUSTED = ["microsoft.com", "google.com"];

function rsaKey() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    record: `v=DKIM1; k=rsa; p=${publicKey.export({ type: "spki", format: "der" }).toString("base64")}`,
  };
}

let dns: TestDnsServer;
let resolver: Resolver;
const keys = {
  sender: rsaKey(),
  microsoft: rsaKey(),
  google: rsaKey(),
  untrusted: rsaKey(),
  lookalike: rsaKey(),
  prefixed: rsaKey(),
  quiet: rsaKey(),
};
const sealers = {
  microsoft: { domain: "microsoft.com", selector: "arc2025", privateKey: keys.microsoft.privatePem },
  google: { domain: "google.com", selector: "arc", privateKey: keys.google.privatePem },
  untrusted: { domain: "forwarder.example", selector: "arc", privateKey: keys.untrusted.privatePem },
  // Ends with the trusted name but is not it, nor a subdomain of it.
  lookalike: { domain: "evilmicrosoft.com", selector: "arc", privateKey: keys.lookalike.privatePem },
  // Starts with the trusted name.
  prefixed: { domain: "microsoft.com.evil.example", selector: "arc", privateKey: keys.prefixed.privatePem },
};

function message(from: string, subject = "Printer broken", extra = ""): Buffer {
  return Buffer.from(
    [
      `From: Jane <${from}>`,
      "To: support@acme.in.opsmerge.test",
      `Subject: ${subject}`,
      `Message-ID: <${Math.random().toString(36).slice(2)}@${from.split("@")[1]}>`,
      "Date: Mon, 3 Mar 2025 10:00:00 +0000",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      extra,
      "",
      "The printer on floor 2 is broken.",
      "",
    ]
      .filter((l, i) => l !== "" || i > 6)
      .join("\r\n"),
  );
}

async function sign(raw: Buffer, domain: string, selector: string, privateKey: string): Promise<Buffer> {
  const signature = { signingDomain: domain, selector, privateKey };
  const res = await dkimSign(raw, { ...signature, signatureData: [signature] });
  expect(res.errors).toEqual([]);
  expect(res.signatures).toMatch(/^DKIM-Signature:/);
  return Buffer.concat([Buffer.from(res.signatures), raw]);
}

/** A forwarding hop: authenticates what it received, rewrites the body (breaking DKIM), then ARC-seals. */
async function forwardAndSeal(
  raw: Buffer,
  sealer: { domain: string; selector: string; privateKey: string } | null,
): Promise<Buffer> {
  // The hop's own view of the message as it arrived (direct from the sender: SPF, DKIM and DMARC pass).
  const seen = await authenticateMessage({
    raw,
    ip: SENDER_IP,
    helo: "mail.sender.example",
    mailFrom: "jane@sender.example",
    resolver,
    mta: "mx.forwarder.example",
  });
  expect(seen.dmarc).toBe("pass");
  const modified = Buffer.concat([raw, Buffer.from("-- \r\nForwarded by the MSP mailbox rule\r\n")]);
  if (!sealer) return modified;
  const arcHeaders = await sealMessage(modified, {
    signingDomain: sealer.domain,
    selector: sealer.selector,
    privateKey: sealer.privateKey,
    cv: "none",
    authResults: seen.details.authResults,
  });
  return Buffer.concat([arcHeaders, modified]);
}

beforeAll(async () => {
  dns = await startDnsServer({
    // sender.example: SPF -all for its own IP, DKIM key, DMARC p=reject (record split in two strings).
    "sender.example": [{ type: "TXT", data: splitTxt(`v=spf1 ip4:${SENDER_IP} -all`, 10) }],
    "sel1._domainkey.sender.example": [{ type: "TXT", data: splitTxt(keys.sender.record) }],
    "_dmarc.sender.example": [{ type: "TXT", data: ["v=DMARC1; p=reject; ", "rua=mailto:dmarc@sender.example"] }],
    // lax.example: DMARC p=none.
    "lax.example": [{ type: "TXT", data: `v=spf1 ip4:${SENDER_IP} -all` }],
    "_dmarc.lax.example": [{ type: "TXT", data: "v=DMARC1; p=none" }],
    // nodmarc.example: SPF only, no DMARC record.
    "nodmarc.example": [{ type: "TXT", data: `v=spf1 ip4:${SENDER_IP} -all` }],
    "sel1._domainkey.nodmarc.example": [{ type: "TXT", data: splitTxt(keys.quiet.record) }],
    // ARC sealers.
    "arc2025._domainkey.microsoft.com": [{ type: "TXT", data: splitTxt(keys.microsoft.record) }],
    "arc._domainkey.forwarder.example": [{ type: "TXT", data: splitTxt(keys.untrusted.record) }],
    "arc._domainkey.google.com": [{ type: "TXT", data: splitTxt(keys.google.record) }],
    "arc._domainkey.evilmicrosoft.com": [{ type: "TXT", data: splitTxt(keys.lookalike.record) }],
    "arc._domainkey.microsoft.com.evil.example": [{ type: "TXT", data: splitTxt(keys.prefixed.record) }],
  });
  resolver = createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 });
}, 60_000);

afterAll(async () => {
  await dns?.close();
});

const auth = (raw: Buffer, ip: string, mailFrom: string, extra: { resolver?: Resolver } = {}) =>
  authenticateMessage({
    raw,
    ip,
    helo: "mail.example",
    mailFrom,
    resolver: extra.resolver ?? resolver,
    trustedArcSealers: TRUSTED,
    mta: "mx.opsmerge.test",
  });

describe("R-IN-2 authentication verdicts against a local DNS server", () => {
  it("R-IN-2 DKIM (key split into 255-byte strings), SPF and DMARC pass for a direct message", async () => {
    const raw = await sign(message("jane@sender.example"), "sender.example", "sel1", keys.sender.privatePem);
    const r = await auth(raw, SENDER_IP, "jane@sender.example");
    expect(r).toMatchObject({
      spf: "pass",
      dkim: "pass",
      dmarc: "pass",
      arc: "none",
      dmarcPolicy: "reject",
      action: "deliver",
    });
    expect(r.details.dkim[0]).toMatchObject({
      domain: "sender.example",
      selector: "sel1",
      result: "pass",
      aligned: true,
    });
    expect(r.details.authResultsHeaders).toMatch(/Authentication-Results: mx\.opsmerge\.test;/);
    expect(dns.queries.some((q) => q.name === "sel1._domainkey.sender.example" && q.type === "TXT")).toBe(true);
  });

  it("R-IN-2 SPF by connecting IP: pass from the listed IP, fail from another", async () => {
    const raw = message("jane@lax.example");
    expect((await auth(raw, SENDER_IP, "jane@lax.example")).spf).toBe("pass");
    expect((await auth(raw, OTHER_IP, "jane@lax.example")).spf).toBe("fail");
  });

  it("R-IN-2 a tampered DKIM-signed message fails DKIM", async () => {
    const raw = await sign(message("jane@sender.example"), "sender.example", "sel1", keys.sender.privatePem);
    const tampered = Buffer.from(raw.toString().replace("floor 2", "floor 3"));
    const r = await auth(tampered, SENDER_IP, "jane@sender.example");
    // mailauth (lenient mode) reports a body-hash mismatch as neutral, not fail: anything but pass.
    expect(r.dkim).not.toBe("pass");
    expect(r.details.dkim[0]?.comment ?? "").toMatch(/body hash/i);
    expect(r.dmarc).toBe("pass"); // SPF still aligns
  });
});

describe("issue 15 item 8: a large message does not hold the event loop while DKIM reads it", () => {
  it("R-IN-2 a 6 MB signed message passes DKIM, its body read one 64 KiB slice per turn of the event loop", async () => {
    const line = "The backup log of the night, line after line of it, long enough to be a large message.\r\n";
    const body = line.repeat(Math.ceil((6 * 1024 * 1024) / line.length));
    const raw = await sign(
      Buffer.concat([message("jane@sender.example"), Buffer.from(body)]),
      "sender.example",
      "sel1",
      keys.sender.privatePem,
    );
    // Turns of the event loop until DKIM asks for its key, which it does once the whole body is hashed.
    const keyQueries = () => dns.queries.filter((q) => q.name === "sel1._domainkey.sender.example").length;
    const before = keyQueries();
    const counter = countTurns(() => keyQueries() > before);
    const r = await auth(raw, SENDER_IP, "jane@sender.example");
    counter.stop();
    expect(r).toMatchObject({ dkim: "pass", dmarc: "pass" });
    // One slice per turn: the message is some 96 slices. Written whole, it was read in one or two turns.
    expect(counter.turns).toBeGreaterThanOrEqual(Math.floor(raw.length / SLICE_BYTES) - 2);
  });
});

describe("R-IN-3 drop policy", () => {
  it("R-IN-3 DMARC fail with p=reject is dropped with reason dmarc", async () => {
    const r = await auth(message("ceo@sender.example", "Urgent wire transfer"), OTHER_IP, "attacker@evil.example");
    expect(r).toMatchObject({ dmarc: "fail", dmarcPolicy: "reject", action: "drop", reason: "dmarc" });
  });

  it("R-IN-3 DMARC fail with p=none is delivered with the verdict recorded", async () => {
    const r = await auth(message("jane@lax.example"), OTHER_IP, "jane@lax.example");
    expect(r).toMatchObject({ spf: "fail", dmarc: "fail", dmarcPolicy: "none", action: "deliver" });
    expect(r.reason).toBeUndefined();
  });

  it("R-IN-3 SPF fail with no aligned DKIM and no DMARC record is dropped with reason spf", async () => {
    const r = await auth(message("jane@nodmarc.example"), OTHER_IP, "jane@nodmarc.example");
    expect(r).toMatchObject({ spf: "fail", dmarc: "none", dmarcPolicy: null, action: "drop", reason: "spf" });
  });

  it("R-IN-3 SPF fail with an aligned DKIM pass and no DMARC record is delivered", async () => {
    const raw = await sign(message("jane@nodmarc.example"), "nodmarc.example", "sel1", keys.quiet.privatePem);
    const r = await auth(raw, OTHER_IP, "jane@nodmarc.example");
    expect(r).toMatchObject({ spf: "fail", dkim: "pass", action: "deliver" });
  });

  it("R-IN-3 softer failures are delivered (softfail, none)", async () => {
    dns.set("soft.example", [{ type: "TXT", data: `v=spf1 ip4:${SENDER_IP} ~all` }]);
    const soft = await auth(message("a@soft.example"), OTHER_IP, "a@soft.example");
    expect(soft).toMatchObject({ spf: "softfail", action: "deliver" });
    const none = await auth(message("a@nothing.example"), OTHER_IP, "a@nothing.example");
    expect(none).toMatchObject({ spf: "none", dkim: "none", dmarc: "none", action: "deliver" });
  });
});

describe("R-IN-3 ARC: forwarding through a trusted sealer", () => {
  it("R-IN-3 DKIM-signed, forwarded (SPF and DKIM broken), ARC-sealed by a trusted sealer → delivered", async () => {
    const original = await sign(message("jane@sender.example"), "sender.example", "sel1", keys.sender.privatePem);
    const forwarded = await forwardAndSeal(original, {
      domain: "microsoft.com",
      selector: "arc2025",
      privateKey: keys.microsoft.privatePem,
    });
    const r = await auth(forwarded, FORWARDER_IP, "jane@sender.example");
    expect(r).toMatchObject({ spf: "fail", dmarc: "fail", arc: "pass", dmarcPolicy: "reject", action: "deliver" });
    expect(r.dkim).not.toBe("pass");
    expect(r.details.arc.vouchedBy).toBe("microsoft.com");
    expect(r.details.arc.sealers).toEqual([{ i: 1, domain: "microsoft.com", trusted: true }]);
  });

  it("R-IN-3 the same forward without a seal, p=reject → dropped with reason dmarc", async () => {
    const original = await sign(message("jane@sender.example"), "sender.example", "sel1", keys.sender.privatePem);
    const forwarded = await forwardAndSeal(original, null);
    const r = await auth(forwarded, FORWARDER_IP, "jane@sender.example");
    expect(r).toMatchObject({ dmarc: "fail", arc: "none", action: "drop", reason: "dmarc" });
  });

  it("R-IN-3 the same forward sealed by an untrusted sealer → dropped", async () => {
    const original = await sign(message("jane@sender.example"), "sender.example", "sel1", keys.sender.privatePem);
    const forwarded = await forwardAndSeal(original, {
      domain: "forwarder.example",
      selector: "arc",
      privateKey: keys.untrusted.privatePem,
    });
    const r = await auth(forwarded, FORWARDER_IP, "jane@sender.example");
    expect(r).toMatchObject({ arc: "pass", action: "drop", reason: "dmarc" });
    expect(r.details.arc.vouchedBy).toBeNull();
  });

  it("R-IN-3 a trusted seal over a message that already failed DMARC does not vouch", async () => {
    // The trusted hop received a forgery (SPF fail from OTHER_IP), so its AAR says dmarc=fail.
    const forged = message("ceo@sender.example");
    const seen = await authenticateMessage({
      raw: forged,
      ip: OTHER_IP,
      helo: "x",
      mailFrom: "attacker@evil.example",
      resolver,
      mta: "mx.microsoft.com",
    });
    expect(seen.dmarc).toBe("fail");
    const sealed = Buffer.concat([
      await sealMessage(forged, {
        signingDomain: "microsoft.com",
        selector: "arc2025",
        privateKey: keys.microsoft.privatePem,
        cv: "none",
        authResults: seen.details.authResults,
      }),
      forged,
    ]);
    const r = await auth(sealed, FORWARDER_IP, "attacker@evil.example");
    expect(r).toMatchObject({ arc: "pass", action: "drop", reason: "dmarc" });
  });

  it("R-IN-3 a broken chain (content changed after the trusted seal) does not vouch", async () => {
    const original = await sign(message("jane@sender.example"), "sender.example", "sel1", keys.sender.privatePem);
    const forwarded = await forwardAndSeal(original, {
      domain: "microsoft.com",
      selector: "arc2025",
      privateKey: keys.microsoft.privatePem,
    });
    const altered = Buffer.from(forwarded.toString().replace("floor 2", "floor 9"));
    const r = await auth(altered, FORWARDER_IP, "jane@sender.example");
    expect(r.arc).toBe("fail");
    expect(r).toMatchObject({ action: "drop", reason: "dmarc" });
  });
});

/**
 * A later hop: authenticates what it received from the previous forwarder (ARC pass, DMARC fail), optionally
 * rewrites the body, and adds its own ARC set with cv=pass over the existing chain.
 */
async function resealAt(
  raw: Buffer,
  sealer: { domain: string; selector: string; privateKey: string },
  rewrite: (text: string) => string = (t) => t,
): Promise<Buffer> {
  const seen = await authenticateMessage({
    raw,
    ip: FORWARDER_IP,
    helo: "mx.forwarder.example",
    mailFrom: "jane@sender.example",
    resolver,
    trustedArcSealers: TRUSTED,
    mta: `mx.${sealer.domain}`,
  });
  expect(seen.arc).toBe("pass");
  const modified = Buffer.from(rewrite(raw.toString("latin1")), "latin1");
  const arcHeaders = await sealMessage(modified, {
    signingDomain: sealer.domain,
    selector: sealer.selector,
    privateKey: sealer.privateKey,
    cv: "pass",
    authResults: seen.details.authResults,
  });
  expect(arcHeaders.toString()).toMatch(/^ARC-Seal: i=2;/);
  return Buffer.concat([arcHeaders, modified]);
}

describe("R-IN-3 ARC: several hops and look-alike sealers", () => {
  const original = () => sign(message("jane@sender.example"), "sender.example", "sel1", keys.sender.privatePem);

  it("R-IN-3 control: a trusted sealer after a trusted one vouches with the earlier one's dmarc=pass → delivered", async () => {
    const twice = await resealAt(await forwardAndSeal(await original(), sealers.microsoft), sealers.google);
    const r = await auth(twice, FORWARDER_IP, "jane@sender.example");
    expect(r.details.arc.sealers).toEqual([
      { i: 2, domain: "google.com", trusted: true },
      { i: 1, domain: "microsoft.com", trusted: true },
    ]);
    expect(r).toMatchObject({ arc: "pass", dmarc: "fail", action: "deliver" });
    expect(r.details.arc.vouchedBy).toBe("microsoft.com");
  });

  it("R-IN-3 an untrusted sealer after a trusted one (it could have rewritten the message) → dropped", async () => {
    // The untrusted hop rewrites the body and re-seals: the chain still validates, and the trusted hop's
    // earlier dmarc=pass is intact, but it no longer speaks for this content.
    const hijacked = await resealAt(await forwardAndSeal(await original(), sealers.microsoft), sealers.untrusted, (t) =>
      t.replace("The printer on floor 2 is broken.", "Please pay invoice 4471 to IBAN XX00 0000."),
    );
    const r = await auth(hijacked, FORWARDER_IP, "jane@sender.example");
    expect(r.details.arc.sealers).toEqual([
      { i: 2, domain: "forwarder.example", trusted: false },
      { i: 1, domain: "microsoft.com", trusted: true },
    ]);
    expect(r.arc).toBe("pass");
    expect(r.details.arc.vouchedBy).toBeNull();
    expect(r).toMatchObject({ action: "drop", reason: "dmarc" });
  });

  it.each([
    ["evilmicrosoft.com (ends with the trusted name)", sealers.lookalike],
    ["microsoft.com.evil.example (starts with it)", sealers.prefixed],
  ])("R-IN-3 a look-alike sealer %s is not trusted → dropped", async (_name, sealer) => {
    const r = await auth(await forwardAndSeal(await original(), sealer), FORWARDER_IP, "jane@sender.example");
    expect(r.details.arc.sealers).toEqual([{ i: 1, domain: sealer.domain, trusted: false }]);
    expect(r.arc).toBe("pass");
    expect(r.details.arc.vouchedBy).toBeNull();
    expect(r).toMatchObject({ action: "drop", reason: "dmarc" });
  });
});

describe("R-IN-3 DNS failures never drop", () => {
  it("R-IN-3 an unreachable resolver gives temperror and a transient deliver", async () => {
    const dead = createResolver({ servers: ["127.0.0.1:9"], timeoutMs: 300, tries: 1 });
    const r = await auth(message("ceo@sender.example"), OTHER_IP, "attacker@evil.example", { resolver: dead });
    expect(r.action).toBe("deliver");
    expect(r.transient).toBe(true);
    expect([r.spf, r.dmarc]).toContain("temperror");
  });

  it("R-IN-3 a resolver that throws SERVFAIL-like errors only for DMARC gives a transient deliver", async () => {
    const flaky = ((name: string, type: string) => {
      if (name.startsWith("_dmarc."))
        return Promise.reject(Object.assign(new Error("queryTxt ESERVFAIL"), { code: "ESERVFAIL" }));
      return resolver(name, type);
    }) as Resolver;
    const r = await auth(message("ceo@sender.example"), OTHER_IP, "attacker@evil.example", { resolver: flaky });
    expect(r).toMatchObject({ dmarc: "temperror", action: "deliver", transient: true });
  });
});

describe("R-IN-9 an authenticated sender (who may be acknowledged)", () => {
  it("R-IN-9 DMARC pass is authenticated", async () => {
    const raw = await sign(message("jane@sender.example"), "sender.example", "sel1", keys.sender.privatePem);
    expect(isSenderAuthenticated(await auth(raw, SENDER_IP, "jane@sender.example"))).toBe(true);
  });

  it("R-IN-9 a forged From is not: SPF fail, no DKIM, DMARC fail (p=none) or no DMARC at all", async () => {
    // The attacker's own domain passes SPF, but it is not aligned with the victim's From.
    dns.set("attacker.example", [{ type: "TXT", data: `v=spf1 ip4:${OTHER_IP} -all` }]);
    const forged = message("victim@lax.example", "Your account is suspended - verify at https://phish.example");
    const r1 = await auth(forged, OTHER_IP, "bounce@attacker.example");
    expect(r1).toMatchObject({ spf: "pass", dmarc: "fail", action: "deliver" });
    expect(isSenderAuthenticated(r1)).toBe(false);
    const r2 = await auth(message("victim@nothing.example"), OTHER_IP, "victim@nothing.example");
    expect(r2).toMatchObject({ spf: "none", dkim: "none", dmarc: "none", action: "deliver" });
    expect(isSenderAuthenticated(r2)).toBe(false);
    const r3 = await auth(message("victim@soft.example"), OTHER_IP, "bounce@attacker.example");
    expect(isSenderAuthenticated(r3)).toBe(false);
  });

  it("R-IN-9 without a DMARC record, an SPF or DKIM pass aligned with From is authenticated", async () => {
    const spfOnly = await auth(message("jane@nodmarc.example"), SENDER_IP, "jane@nodmarc.example");
    expect(spfOnly).toMatchObject({ spf: "pass", dmarc: "none" });
    expect(isSenderAuthenticated(spfOnly)).toBe(true);
    const raw = await sign(message("jane@nodmarc.example"), "nodmarc.example", "sel1", keys.quiet.privatePem);
    const dkimOnly = await auth(raw, OTHER_IP, "jane@nodmarc.example");
    expect(dkimOnly).toMatchObject({ spf: "fail", dkim: "pass" });
    expect(isSenderAuthenticated(dkimOnly)).toBe(true);
    // SPF passes for a different (unaligned) MAIL FROM domain: not the From's author.
    dns.set("bulk-sender.example", [{ type: "TXT", data: `v=spf1 ip4:${SENDER_IP} -all` }]);
    const unaligned = await auth(message("jane@nodmarc.example"), SENDER_IP, "bounces@bulk-sender.example");
    expect(unaligned.spf).toBe("pass");
    expect(isSenderAuthenticated(unaligned)).toBe(false);
  });

  it("R-IN-9 DMARC fail is not rescued by an SPF pass when the domain has a record", async () => {
    const r = await auth(message("jane@lax.example"), OTHER_IP, "jane@lax.example");
    expect(r).toMatchObject({ dmarc: "fail" });
    expect(isSenderAuthenticated(r)).toBe(false);
  });

  it("R-IN-9 forwarded through a trusted ARC sealer (the MSP's own forward) is authenticated", async () => {
    const original = await sign(message("jane@sender.example"), "sender.example", "sel1", keys.sender.privatePem);
    const forwarded = await forwardAndSeal(original, {
      domain: "microsoft.com",
      selector: "arc2025",
      privateKey: keys.microsoft.privatePem,
    });
    const r = await auth(forwarded, FORWARDER_IP, "jane@sender.example");
    expect(r.dmarc).not.toBe("pass");
    expect(isSenderAuthenticated(r)).toBe(true);
    // The same forward sealed by a sealer nobody trusts is not.
    const untrusted = await forwardAndSeal(original, {
      domain: "forwarder.example",
      selector: "arc",
      privateKey: keys.untrusted.privatePem,
    });
    expect(isSenderAuthenticated(await auth(untrusted, FORWARDER_IP, "jane@sender.example"))).toBe(false);
  });
});
