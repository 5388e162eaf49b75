import { describe, expect, it } from "vitest";
import { resolveClientIp, trustedProxyList } from "./client-ip";

// Issue 19 item 3: X-Forwarded-For is believed only as far as trusted proxies wrote it.
describe("resolveClientIp (TRUSTED_PROXIES)", () => {
  const none = trustedProxyList([]);
  const proxies = trustedProxyList(["10.0.0.1", "192.168.0.0/16", "fd00::/8"]);

  it("with no trusted proxy, the socket's peer is the client and X-Forwarded-For is ignored", () => {
    expect(resolveClientIp("203.0.113.9", "1.2.3.4", none)).toBe("203.0.113.9");
    expect(resolveClientIp("::ffff:127.0.0.1", "1.2.3.4, 5.6.7.8", none)).toBe("127.0.0.1");
  });

  it("a request from an untrusted peer does not get its header believed", () => {
    expect(resolveClientIp("203.0.113.9", "10.0.0.1", proxies)).toBe("203.0.113.9");
  });

  it("behind trusted proxies, the right-most untrusted hop is the client; what the client wrote is skipped", () => {
    // The client forged "6.6.6.6"; the proxy appended the address it saw.
    expect(resolveClientIp("10.0.0.1", "6.6.6.6, 198.51.100.7", proxies)).toBe("198.51.100.7");
    // Two proxies in a row.
    expect(resolveClientIp("10.0.0.1", "6.6.6.6, 198.51.100.7, 192.168.3.4", proxies)).toBe("198.51.100.7");
    expect(resolveClientIp("fd00::2", "2001:db8::5", proxies)).toBe("2001:db8::5");
    expect(resolveClientIp("10.0.0.1", ["6.6.6.6", "198.51.100.8"], proxies)).toBe("198.51.100.8");
  });

  it("two users behind the same proxy get two addresses (they do not share one bucket)", () => {
    expect(resolveClientIp("10.0.0.1", "198.51.100.1", proxies)).not.toBe(resolveClientIp("10.0.0.1", "198.51.100.2", proxies));
  });

  it("a trusted proxy with no or a malformed header stands for itself", () => {
    expect(resolveClientIp("10.0.0.1", undefined, proxies)).toBe("10.0.0.1");
    expect(resolveClientIp("10.0.0.1", "not-an-ip", proxies)).toBe("10.0.0.1");
    expect(resolveClientIp("10.0.0.1", "198.51.100.7, garbage", proxies)).toBe("10.0.0.1");
  });

  it("refuses a TRUSTED_PROXIES entry that is not an address or range", () => {
    expect(() => trustedProxyList(["proxy.example"])).toThrow(/not an IP/);
    expect(() => trustedProxyList(["10.0.0.0/33"])).toThrow(/prefix/);
  });
});
