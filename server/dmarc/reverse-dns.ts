/**
 * Reverse DNS of report sources (R-X-1), through the one resolver (DNS_SERVERS). Loaded by the screen after the
 * numbers, never in their way: each look-up is bounded in time, several run at once, and answers (including
 * "no name" and failures) are cached per process so a page reload does not ask again.
 */
import { isIP } from "node:net";
import type { Db } from "../db/client";
import { isNoData, type Resolver } from "../dns/resolver";
import { withTimeout } from "./gateway-senders";

export type ReverseName = { ip: string; name: string | null; status: "found" | "none" | "unavailable" };

const FOUND_TTL = 6 * 3_600_000;
const MISS_TTL = 15 * 60_000;
const MAX_ENTRIES = 20_000;
const LOOKUP_TIMEOUT_MS = 2_500;
const PARALLEL = 8;
const cache = new Map<string, { until: number; value: ReverseName }>();

/** The in-addr.arpa / ip6.arpa name of an address. */
export function reverseName(ip: string): string | null {
  const family = isIP(ip);
  if (family === 4) return `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
  if (family !== 6) return null;
  const [head = "", tail = ""] = ip.toLowerCase().split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t] : h;
  if (groups.length !== 8) return null;
  const nibbles = groups.map((g) => g.padStart(4, "0")).join("");
  return `${nibbles.split("").reverse().join(".")}.ip6.arpa`;
}

/** PTR names of the given addresses (at most 100 per call), from the cache or the resolver. */
export async function reverseDns(resolver: Resolver, ips: string[], now = Date.now()): Promise<ReverseName[]> {
  const unique = [...new Set(ips)].filter((ip) => isIP(ip)).slice(0, 100);
  const out = new Map<string, ReverseName>();
  const todo: string[] = [];
  for (const ip of unique) {
    const hit = cache.get(ip);
    if (hit && hit.until > now) out.set(ip, hit.value);
    else todo.push(ip);
  }
  let next = 0;
  async function worker() {
    while (next < todo.length) {
      const ip = todo[next++]!;
      const value = await lookup(resolver, ip);
      out.set(ip, value);
      if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(ip, { until: now + (value.status === "found" ? FOUND_TTL : MISS_TTL), value });
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, todo.length) }, worker));
  return unique.map((ip) => out.get(ip)!);
}

async function lookup(resolver: Resolver, ip: string): Promise<ReverseName> {
  const name = reverseName(ip);
  if (!name) return { ip, name: null, status: "none" };
  try {
    const names = (await withTimeout(resolver(name, "PTR") as Promise<string[]>, LOOKUP_TIMEOUT_MS)) ?? [];
    const first = names.find((n) => typeof n === "string" && n.length > 0);
    return first ? { ip, name: first.replace(/\.$/, "").toLowerCase(), status: "found" } : { ip, name: null, status: "none" };
  } catch (err) {
    return { ip, name: null, status: isNoData(err) ? "none" : "unavailable" };
  }
}

/** Reverse DNS of the tenant's report sources only: an address that is in none of its reports is not looked up. */
export async function reverseDnsOfSources(db: Db, resolver: Resolver, params: { tenantId: string; ips: string[] }): Promise<ReverseName[]> {
  const known = await db.dmarcRecord.findMany({
    where: { sourceIp: { in: params.ips.slice(0, 100) }, report: { tenantId: params.tenantId } },
    distinct: ["sourceIp"],
    select: { sourceIp: true },
  });
  return reverseDns(resolver, known.map((k) => k.sourceIp));
}
