import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  bounceAddress,
  dmarcReportAddress,
  parseGatewayAddress,
  replyAddress,
  tenantMailbox,
  tlsReportAddress,
} from "../addresses.ts";

const SECRET = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz";
const DOMAIN = "in.opsmerge.test";
const TICKET = "clx1y2z3a0000abcdefghijkl"; // 25 chars, cuid-like
const MESSAGE = "cm0abcdefghijklmnopqrstuv";

describe("R-TEN-2 tenant addresses", () => {
  it("R-TEN-2 builds the tenant mailbox and report mailboxes on the tenant subdomain", () => {
    expect(tenantMailbox("acme-msp", DOMAIN)).toBe("support@acme-msp.in.opsmerge.test");
    expect(dmarcReportAddress("acme-msp", DOMAIN)).toBe("dmarc-reports@acme-msp.in.opsmerge.test");
    expect(tlsReportAddress("acme-msp", DOMAIN)).toBe("tls-reports@acme-msp.in.opsmerge.test");
    expect(parseGatewayAddress(SECRET, "support@acme-msp.in.opsmerge.test", DOMAIN)).toEqual({
      slug: "acme-msp",
      kind: "mailbox",
    });
    expect(parseGatewayAddress(SECRET, "dmarc-reports@acme-msp.in.opsmerge.test", DOMAIN)).toEqual({
      slug: "acme-msp",
      kind: "dmarc-reports",
    });
    expect(parseGatewayAddress(SECRET, "tls-reports@acme-msp.in.opsmerge.test", DOMAIN)).toEqual({
      slug: "acme-msp",
      kind: "tls-reports",
    });
  });

  it("R-TEN-2 tolerates sub-addressing, upper case, brackets and a trailing dot", () => {
    expect(parseGatewayAddress(SECRET, "Support+Billing@ACME-MSP.In.OpsMerge.Test.", DOMAIN)).toEqual({
      slug: "acme-msp",
      kind: "mailbox",
    });
    expect(parseGatewayAddress(SECRET, "<support@acme-msp.in.opsmerge.test>", DOMAIN)?.kind).toBe("mailbox");
  });

  it("R-TEN-2 rejects other domains, nested subdomains and unknown local parts", () => {
    expect(parseGatewayAddress(SECRET, "support@in.opsmerge.test", DOMAIN)).toBeNull();
    expect(parseGatewayAddress(SECRET, "support@a.b.in.opsmerge.test", DOMAIN)).toBeNull();
    expect(parseGatewayAddress(SECRET, "support@acme-msp.in.opsmerge.test.evil.com", DOMAIN)).toBeNull();
    expect(parseGatewayAddress(SECRET, "support@acme-mspin.opsmerge.test", DOMAIN)).toBeNull();
    expect(parseGatewayAddress(SECRET, "admin@acme-msp.in.opsmerge.test", DOMAIN)).toBeNull();
    expect(parseGatewayAddress(SECRET, "", DOMAIN)).toBeNull();
  });

  it("R-TEN-2 refuses to build addresses for invalid slugs or ids", () => {
    expect(() => tenantMailbox("Bad.Slug", DOMAIN)).toThrow();
    expect(() => replyAddress(SECRET, { slug: "acme", ticketId: "has-dash" }, DOMAIN)).toThrow();
  });
});

describe("R-TEN-3 reply and bounce tokens", () => {
  const reply = replyAddress(SECRET, { slug: "acme-msp", ticketId: TICKET }, DOMAIN);
  const bounce = bounceAddress(SECRET, { slug: "acme-msp", messageId: MESSAGE }, DOMAIN);

  it("R-TEN-3 round-trips reply and bounce addresses", () => {
    expect(reply).toMatch(/^reply-[a-z0-9]{25}-[a-z2-7]{16}@acme-msp\.in\.opsmerge\.test$/);
    expect(parseGatewayAddress(SECRET, reply, DOMAIN)).toEqual({ slug: "acme-msp", kind: "reply", ticketId: TICKET });
    expect(parseGatewayAddress(SECRET, bounce, DOMAIN)).toEqual({
      slug: "acme-msp",
      kind: "bounce",
      messageId: MESSAGE,
    });
  });

  it("R-TEN-3 local parts stay within 64 characters", () => {
    for (const a of [reply, bounce]) expect(a.split("@")[0]!.length).toBeLessThanOrEqual(64);
  });

  it("R-TEN-3 verification is case-insensitive (mail systems lower- or upper-case local parts)", () => {
    expect(parseGatewayAddress(SECRET, reply.toUpperCase(), DOMAIN)?.ticketId).toBe(TICKET);
    const [local, dom] = reply.split("@");
    expect(parseGatewayAddress(SECRET, `${local}+cc@${dom!.toUpperCase()}.`, DOMAIN)?.ticketId).toBe(TICKET);
  });

  it("R-TEN-3 rejects forged, truncated, other-kind and other-secret tokens", () => {
    const [local, dom] = reply.split("@") as [string, string];
    const last = local.at(-1) === "a" ? "b" : "a";
    expect(parseGatewayAddress(SECRET, `${local.slice(0, -1)}${last}@${dom}`, DOMAIN)).toBeNull();
    expect(parseGatewayAddress(SECRET, `${local.slice(0, -1)}@${dom}`, DOMAIN)).toBeNull();
    expect(parseGatewayAddress(SECRET, `reply-${TICKET}@${dom}`, DOMAIN)).toBeNull();
    expect(parseGatewayAddress(SECRET, `reply-${TICKET}-aaaaaaaaaaaaaaaa@${dom}`, DOMAIN)).toBeNull();
    expect(parseGatewayAddress(SECRET, `${local.replace(/^reply/, "bounce")}@${dom}`, DOMAIN)).toBeNull();
    expect(parseGatewayAddress(`${SECRET}x`, reply, DOMAIN)).toBeNull();
    // Another ticket id under the same token.
    expect(parseGatewayAddress(SECRET, reply.replace(TICKET, `${TICKET.slice(0, -1)}x`), DOMAIN)).toBeNull();
  });

  it("R-TEN-3 a token moved to another tenant's subdomain fails", () => {
    const moved = reply.replace("@acme-msp.", "@other-msp.");
    expect(parseGatewayAddress(SECRET, moved, DOMAIN)).toBeNull();
    const otherBounce = bounce.replace("@acme-msp.", "@other-msp.");
    expect(parseGatewayAddress(SECRET, otherBounce, DOMAIN)).toBeNull();
  });

  it("R-TEN-3 property: any generated address round-trips", () => {
    const slug = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/);
    const id = fc.stringMatching(/^[a-z0-9]{20,30}$/);
    fc.assert(
      fc.property(slug, id, fc.boolean(), (s, i, isReply) => {
        const a = isReply
          ? replyAddress(SECRET, { slug: s, ticketId: i }, DOMAIN)
          : bounceAddress(SECRET, { slug: s, messageId: i }, DOMAIN);
        const p = parseGatewayAddress(SECRET, a, DOMAIN);
        expect(p?.slug).toBe(s);
        expect(isReply ? p?.ticketId : p?.messageId).toBe(i);
      }),
    );
  });

  it("R-TEN-3 property: never throws on arbitrary strings and never accepts a random token", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        expect(() => parseGatewayAddress(SECRET, s, DOMAIN)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z2-7]{16}$/), (tok) => {
        expect(parseGatewayAddress(SECRET, `reply-${TICKET}-${tok}@acme-msp.${DOMAIN}`, DOMAIN)).toBeNull();
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), fc.string({ maxLength: 40 }), (s, d) => {
        expect(() => parseGatewayAddress(SECRET, s, d)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});
