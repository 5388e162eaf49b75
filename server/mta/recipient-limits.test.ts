import { describe, expect, it } from "vitest";
import { underInboundDomain, UnknownRecipientLimiter } from "./recipient-limits";

describe("R-IN-11 recipient enumeration limits", () => {
  it("spends a connection after perConnection refusals", () => {
    const l = new UnknownRecipientLimiter({ perConnection: 3, perIp: 100, windowMs: 1000 });
    expect(l.connectionSpent(2)).toBe(false);
    expect(l.connectionSpent(3)).toBe(true);
  });

  it("blocks an IP for the rest of its window once it has had perIp refusals, then lets it in again", () => {
    let now = 0;
    const l = new UnknownRecipientLimiter({ perConnection: 10, perIp: 3, windowMs: 1000 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(l.ipBlocked("192.0.2.1")).toBe(false);
      l.record("192.0.2.1");
    }
    expect(l.ipBlocked("192.0.2.1")).toBe(true);
    expect(l.ipBlocked("192.0.2.2")).toBe(false);
    now = 999;
    expect(l.ipBlocked("192.0.2.1")).toBe(true);
    now = 1000;
    expect(l.ipBlocked("192.0.2.1")).toBe(false);
  });

  it("keeps memory bounded under a spray of addresses", () => {
    let now = 0;
    const l = new UnknownRecipientLimiter({ perConnection: 10, perIp: 3, windowMs: 10 }, () => now);
    for (let i = 0; i < 25_000; i++) {
      now = i;
      l.record(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    }
    expect(l.ipBlocked("10.0.0.0")).toBe(false);
  });

  it("counts only addresses under the inbound domain for the IP budget", () => {
    expect(underInboundDomain("guess@acme.in.example.com", "in.example.com")).toBe(true);
    expect(underInboundDomain("Guess@ACME.IN.EXAMPLE.COM.", "in.example.com")).toBe(true);
    expect(underInboundDomain("x@in.example.com", "in.example.com")).toBe(true);
    expect(underInboundDomain("victim@foreign.example", "in.example.com")).toBe(false);
    expect(underInboundDomain("x@notin.example.com", "in.example.com")).toBe(false);
    expect(underInboundDomain("no-at-sign", "in.example.com")).toBe(false);
  });
});
