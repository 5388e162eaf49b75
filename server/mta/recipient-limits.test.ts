import { describe, expect, it } from "vitest";
import { recipientDomain, underInboundDomain, UnknownRecipientLimiter } from "./recipient-limits";

describe("R-IN-11 recipient enumeration limits", () => {
  it("spends a connection after perConnection refusals", () => {
    const l = new UnknownRecipientLimiter({ perConnection: 3, perIp: 100, windowMs: 1000 });
    expect(l.connectionSpent(2)).toBe(false);
    expect(l.connectionSpent(3)).toBe(true);
  });

  it("blocks an IP for one recipient domain for the rest of its window once it has had perIp refusals there, then lets it in again", () => {
    let now = 0;
    const l = new UnknownRecipientLimiter({ perConnection: 10, perIp: 3, windowMs: 1000 }, () => now);
    const a = "acme.in.example.com";
    for (let i = 0; i < 3; i++) {
      expect(l.ipBlocked("192.0.2.1", a)).toBe(false);
      l.record("192.0.2.1", a);
    }
    expect(l.ipBlocked("192.0.2.1", a)).toBe(true);
    expect(l.ipBlocked("192.0.2.2", a)).toBe(false);
    // Issue 19 item 9: the same (shared) IP is not blocked for another tenant's domain.
    expect(l.ipBlocked("192.0.2.1", "globex.in.example.com")).toBe(false);
    now = 999;
    expect(l.ipBlocked("192.0.2.1", a)).toBe(true);
    now = 1000;
    expect(l.ipBlocked("192.0.2.1", a)).toBe(false);
  });

  it("keeps memory bounded under a spray of addresses", () => {
    let now = 0;
    const l = new UnknownRecipientLimiter({ perConnection: 10, perIp: 3, windowMs: 10 }, () => now);
    for (let i = 0; i < 25_000; i++) {
      now = i;
      l.record(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, "acme.in.example.com");
    }
    expect(l.ipBlocked("10.0.0.0", "acme.in.example.com")).toBe(false);
  });

  it("counts only addresses under the inbound domain for the IP budget", () => {
    expect(underInboundDomain("guess@acme.in.example.com", "in.example.com")).toBe(true);
    expect(underInboundDomain("Guess@ACME.IN.EXAMPLE.COM.", "in.example.com")).toBe(true);
    expect(underInboundDomain("x@in.example.com", "in.example.com")).toBe(true);
    expect(underInboundDomain("victim@foreign.example", "in.example.com")).toBe(false);
    expect(underInboundDomain("x@notin.example.com", "in.example.com")).toBe(false);
    expect(underInboundDomain("no-at-sign", "in.example.com")).toBe(false);
    expect(recipientDomain("Guess@ACME.IN.EXAMPLE.COM.")).toBe("acme.in.example.com");
  });
});
