/**
 * The one DNS resolver every look-up goes through (SPF/DKIM/DMARC/ARC verification, sending-domain checks, MX
 * for delivery, reverse DNS). DNS_SERVERS (host:port list) points it at a chosen server, so tests run against
 * a local authoritative server and offline deployments against their own.
 */
import { promises as dns } from "node:dns";

export type RrType = "A" | "AAAA" | "MX" | "TXT" | "CNAME" | "NS" | "PTR";

/** Same shape as dns.promises.resolve (what mailauth expects as its `resolver`). */
export type Resolver = {
  (name: string, rrtype: "TXT"): Promise<string[][]>;
  (name: string, rrtype: "MX"): Promise<{ exchange: string; priority: number }[]>;
  (name: string, rrtype: string): Promise<unknown>;
};

export type ResolverOptions = { servers?: string[]; timeoutMs?: number; tries?: number };

export function createResolver(options: ResolverOptions = {}): Resolver {
  const r = new dns.Resolver({ timeout: options.timeoutMs ?? 3_000, tries: options.tries ?? 2 });
  if (options.servers?.length) r.setServers(options.servers);
  return ((name: string, rrtype: string) => r.resolve(name, rrtype)) as Resolver;
}

/** TXT strings of each record joined, as SPF, DKIM and DMARC parsers need (a record may be split in 255-byte chunks). */
export async function resolveTxtJoined(resolver: Resolver, name: string): Promise<string[]> {
  try {
    const records = await resolver(name, "TXT");
    return records.map((chunks) => chunks.join(""));
  } catch (err) {
    if (isNoData(err)) return [];
    throw err;
  }
}

/** NXDOMAIN / NODATA: "there is no such record", as opposed to a resolver failure. */
export function isNoData(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === "ENOTFOUND" || code === "ENODATA";
}

export type DnsCacheOptions = {
  /** How long an answer is reused. */
  ttlMs: number;
  /** How long "no such record" is reused (RFC 2308 negative caching); default ttlMs. */
  negativeTtlMs?: number;
  /** Entries kept at most; the oldest go first. */
  maxEntries?: number;
  now?: () => number;
};

/**
 * Inbound authentication's look-ups, answered from memory for a short while: every message from a sender asks
 * the same three or four names (SPF, the DKIM key, DMARC), at a measured ~0.25 ms of CPU each here, and asking
 * the sender's DNS again for each of a burst of messages is what resolvers' caches exist to avoid. Node's TXT
 * look-ups do not report the record's TTL, so a fixed short lifetime stands in for it (DNS_CACHE_SECONDS).
 * Only answers and "no such record" are kept: a timeout or SERVFAIL is asked again next time, so a DNS hiccup
 * costs one 451, not a minute of them. Concurrent asks for one name share a single query. Callers get copies, so
 * one caller changing an answer cannot change it for the next.
 *
 * Only for inbound authentication: sending-domain verification must see a record the moment it is published.
 */
export function cachingResolver(inner: Resolver, options: DnsCacheOptions): Resolver {
  const now = options.now ?? Date.now;
  const negativeTtlMs = options.negativeTtlMs ?? options.ttlMs;
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, { until: number; answer: Promise<unknown> }>();

  return ((name: string, rrtype: string) => {
    const key = `${rrtype} ${name.toLowerCase().replace(/\.$/, "")}`;
    const hit = entries.get(key);
    if (hit && hit.until > now()) return hit.answer.then((value) => structuredClone(value));
    if (hit) entries.delete(key);
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    const answer = inner(name, rrtype);
    const entry = { until: Number.POSITIVE_INFINITY, answer };
    entries.set(key, entry);
    answer.then(
      () => {
        entry.until = now() + options.ttlMs;
      },
      (err: unknown) => {
        if (isNoData(err)) entry.until = now() + negativeTtlMs;
        else if (entries.get(key) === entry) entries.delete(key);
      },
    );
    return answer.then((value) => structuredClone(value));
  }) as Resolver;
}

