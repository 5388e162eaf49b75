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
