/**
 * Which address a web request comes from (issue 19 item 3), for the sign-in rate limit and the TLS-RPT POST
 * limit. `X-Forwarded-For` is written by whoever sends the request, so it is believed only as far as it was
 * written by a proxy listed in TRUSTED_PROXIES: starting from the socket's peer, each hop that is a trusted
 * proxy hands over to the address it forwarded for, right to left; the first untrusted address is the client.
 * With TRUSTED_PROXIES unset, the client is the socket's peer and the header is ignored.
 *
 * The web server (scripts/web-server.ts) resolves it once per request and passes it on in CLIENT_IP_HEADER,
 * overwriting whatever a client sent under that name; route handlers and better-auth read only that header.
 */
import { BlockList, isIP } from "node:net";

/** The request header the web server sets to the resolved client address. */
export const CLIENT_IP_HEADER = "x-opsmerge-client-ip";

/** Parses TRUSTED_PROXIES entries (addresses or CIDR ranges); throws on an entry that is neither. */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix] = entry.split("/");
    const family = isIP(address);
    if (!family) throw new Error(`not an IP address or CIDR range: ${entry}`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else {
      const bits = Number(prefix);
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) throw new Error(`bad prefix length: ${entry}`);
      list.addSubnet(address, bits, type);
    }
  }
  return list;
}

/** `::ffff:1.2.3.4` → `1.2.3.4`, so one client has one address whichever way the socket reports it. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * The client address of a request that arrived from `peer` (the socket's remote address) with the given
 * X-Forwarded-For header value(s). Never reads the header unless `peer` is a trusted proxy.
 */
export function resolveClientIp(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: BlockList,
): string {
  let client = plain(peer ?? "");
  if (!client || !isTrusted(trusted, client)) return client || "unknown";
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? ""))
    .split(",")
    .map((hop) => hop.trim())
    .filter(Boolean);
  while (hops.length && isTrusted(trusted, client)) {
    const hop = plain(hops.pop()!);
    // A hop that is not an address was not written by a proxy we trust: the last good address stands.
    if (!isIP(hop)) break;
    client = hop;
  }
  return client;
}
