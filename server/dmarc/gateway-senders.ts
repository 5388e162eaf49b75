/**
 * Which source IPs are the gateway itself (R-X-1): the addresses SPF_INCLUDE authorises. SPF_INCLUDE is what a
 * sending domain's SPF record must include (an include domain, or ip4:/ip6: terms); an include domain is
 * followed through DNS (its ip4/ip6 terms and nested includes, at most 10 look-ups as in RFC 7208) and the
 * result cached, so the reports screen can tell the gateway's own traffic from everybody else's.
 */
import { BlockList, isIP } from "node:net";
import { resolveTxtJoined, type Resolver } from "../dns/resolver";

export type GatewaySenders = {
  /** True when the address is one of the gateway's sending addresses. */
  has(ip: string): boolean;
  /** What the check is based on, for the screen ("ip4:192.0.2.0/24, include:_spf.example"). */
  description: string;
  /** The include domain could not be resolved: the answer may miss some of the gateway's addresses. */
  incomplete: boolean;
};

const CACHE_MS = 10 * 60_000;
const MAX_LOOKUPS = 10;
const cache = new Map<string, { at: number; value: Promise<GatewaySenders> }>();

/** The gateway's senders per SPF_INCLUDE, resolved at most every ten minutes. */
export function gatewaySenders(resolver: Resolver, spfInclude: string, now = Date.now()): Promise<GatewaySenders> {
  const hit = cache.get(spfInclude);
  if (hit && now - hit.at < CACHE_MS) return hit.value;
  const value = buildGatewaySenders(resolver, spfInclude);
  cache.set(spfInclude, { at: now, value });
  return value;
}

async function buildGatewaySenders(resolver: Resolver, spfInclude: string): Promise<GatewaySenders> {
  const list = new BlockList();
  let incomplete = false;
  let lookups = 0;
  const terms = spfInclude.split(/\s+/).filter(Boolean);

  function addTerm(term: string): string | null {
    const t = term.replace(/^[+]/, "").toLowerCase();
    const ip = /^ip([46]):(.+)$/.exec(t);
    if (ip) {
      const [address, prefix] = ip[2]!.split("/");
      const family = ip[1] === "4" ? "ipv4" : "ipv6";
      if (!address || isIP(address) !== (family === "ipv4" ? 4 : 6)) return null;
      if (prefix === undefined) list.addAddress(address, family);
      else list.addSubnet(address, Number(prefix), family);
      return null;
    }
    if (t.startsWith("include:")) return t.slice("include:".length);
    // A bare domain in SPF_INCLUDE is an include domain; mechanisms like a/mx/-all are not followed.
    if (!t.includes(":") && /^[a-z0-9_.-]+\.[a-z0-9_-]+$/.test(t)) return t;
    return null;
  }

  async function follow(domain: string): Promise<void> {
    if (++lookups > MAX_LOOKUPS) return;
    let records: string[];
    try {
      records = await withTimeout(resolveTxtJoined(resolver, domain), 2_000);
    } catch {
      incomplete = true;
      return;
    }
    const spf = records.find((r) => /^v=spf1(\s|$)/i.test(r));
    if (!spf) return;
    for (const term of spf.split(/\s+/).slice(1)) {
      const include = term.toLowerCase().startsWith("include:") ? term.slice(8) : null;
      if (include) await follow(include);
      else addTerm(term);
    }
  }

  for (const term of terms) {
    const include = addTerm(term);
    if (include) await follow(include);
  }
  return {
    has(ip: string) {
      const family = isIP(ip);
      if (!family) return false;
      return list.check(ip, family === 4 ? "ipv4" : "ipv6");
    },
    description: terms.join(" "),
    incomplete,
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timed out")), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
