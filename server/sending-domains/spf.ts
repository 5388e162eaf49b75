/**
 * SPF record handling for sending domains (R-DOM-2, R-DOM-3): recognising records, merging our authorisation into
 * a domain's existing record, and counting the DNS-querying terms receivers will evaluate (RFC 7208 §4.6.4).
 */
import { resolveTxtJoined, type Resolver } from "../dns/resolver";

/** RFC 7208 §4.6.4: more than 10 DNS-querying terms and the receiver's SPF check ends in permerror. */
export const SPF_LOOKUP_LIMIT = 10;
/** Stop walking include chains after this many look-ups: enough to prove the limit is exceeded, bounded work. */
const WALK_CAP = 50;

/** True for the text of an SPF record (`v=spf1` alone or followed by a space), compared case-insensitively. */
export function isSpfRecord(txt: string): boolean {
  return /^v=spf1(\s|$)/i.test(txt.trim());
}

/** The terms after `v=spf1`, whitespace-separated. */
export function spfTerms(record: string): string[] {
  return record.trim().split(/\s+/).slice(1).filter(Boolean);
}

/**
 * The terms the SPF record must carry to authorise the gateway, from configuration (SPF_INCLUDE): either an
 * include domain (`_spf.example.net` → `include:_spf.example.net`) or explicit `ip4:`/`ip6:`/`include:` terms.
 */
export function requiredSpfTerms(spfInclude: string): string[] {
  return spfInclude
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => (/^(ip4|ip6|include|a|mx):/i.test(t) ? t.toLowerCase() : `include:${t.toLowerCase()}`));
}

/** Whether `record` carries every required term (case-insensitive; qualifier `+` is the default and ignored). */
export function spfAuthorises(record: string, spfInclude: string): boolean {
  const have = new Set(spfTerms(record).map((t) => t.toLowerCase().replace(/^\+/, "")));
  return requiredSpfTerms(spfInclude).every((t) => have.has(t));
}

/**
 * One SPF record that keeps every mechanism of the domain's existing record(s) and adds our terms just before the
 * final `all` (or before the modifiers when there is no `all`), so the domain's policy is unchanged. Several
 * existing records are folded into one: RFC 7208 §3.2 allows only one, and two is itself a permerror.
 * No existing record → `v=spf1 <ours> ~all` (softfail while the domain owner gains confidence).
 */
export function mergeSpf(existing: string[], spfInclude: string): string {
  const ours = requiredSpfTerms(spfInclude);
  if (existing.length === 0) return ["v=spf1", ...ours, "~all"].join(" ");
  const mechanisms: string[] = [];
  const modifiers: string[] = [];
  let all: string | undefined;
  const seen = new Set<string>();
  for (const record of existing) {
    for (const term of spfTerms(record)) {
      const key = term.toLowerCase().replace(/^\+/, "");
      if (/^[+?~-]?all$/i.test(term)) {
        // The first `all` wins, as evaluation would have stopped there in the first record.
        all ??= term;
        continue;
      }
      if (seen.has(key)) continue;
      seen.add(key);
      if (/^[a-z][a-z0-9_.-]*=/i.test(term)) {
        // redirect= is ignored by receivers when an `all` is present; keep it only when there is none.
        modifiers.push(term);
      } else {
        mechanisms.push(term);
      }
    }
  }
  for (const t of ours) if (!seen.has(t)) mechanisms.push(t);
  const mods = all ? modifiers.filter((m) => !/^redirect=/i.test(m)) : modifiers;
  return ["v=spf1", ...mechanisms, ...(all ? [all] : []), ...mods].join(" ");
}

export type SpfLookupCount = {
  /** DNS-querying terms a receiver would evaluate (include, a, mx, ptr, exists, redirect), nested included. */
  lookups: number;
  exceedsLimit: boolean;
  /** Domains that include themselves, directly or through others. */
  loops: string[];
  /** Plain-words notes: includes with no SPF record, look-ups that failed, macros not followed. */
  problems: string[];
};

/** Counts the DNS-querying terms of the SPF record published at `domain` (see `countSpfRecordLookups`). */
export async function countSpfLookups(resolver: Resolver, domain: string): Promise<SpfLookupCount> {
  const records = (await resolveTxtJoined(resolver, domain)).filter(isSpfRecord);
  const acc: SpfLookupCount = { lookups: 0, exceedsLimit: false, loops: [], problems: [] };
  if (records.length === 0) {
    acc.problems.push(`${domain} publishes no SPF record`);
    return acc;
  }
  if (records.length > 1) acc.problems.push(`${domain} publishes ${records.length} SPF records`);
  await walk(resolver, records[0]!, [domain.toLowerCase()], acc);
  acc.exceedsLimit = acc.lookups > SPF_LOOKUP_LIMIT;
  return acc;
}

/**
 * Counts the look-ups of an SPF record text (e.g. a merged record not yet published) following includes and
 * redirects through the resolver. Loop-safe: a domain already on the current include path is not walked again
 * (it is reported in `loops`); the walk stops once WALK_CAP look-ups have been counted.
 */
export async function countSpfRecordLookups(
  resolver: Resolver,
  record: string,
  ownDomain?: string,
): Promise<SpfLookupCount> {
  const acc: SpfLookupCount = { lookups: 0, exceedsLimit: false, loops: [], problems: [] };
  await walk(resolver, record, ownDomain ? [ownDomain.toLowerCase()] : [], acc);
  acc.exceedsLimit = acc.lookups > SPF_LOOKUP_LIMIT;
  return acc;
}

async function walk(resolver: Resolver, record: string, path: string[], acc: SpfLookupCount): Promise<void> {
  const terms = spfTerms(record);
  const hasAll = terms.some((t) => /^[+?~-]?all$/i.test(t));
  for (const raw of terms) {
    if (acc.lookups >= WALK_CAP) return;
    const term = raw.replace(/^[+?~-]/, "");
    const m = /^(include|exists|a|mx|ptr)(?::(.*?))?(\/.*)?$|^(redirect)=(.*)$/i.exec(term);
    if (!m) continue;
    const kind = (m[1] ?? m[4])!.toLowerCase();
    // A redirect is not evaluated when the record has an `all` (RFC 7208 §6.1), so it costs nothing then.
    if (kind === "redirect" && hasAll) continue;
    acc.lookups += 1;
    if (kind !== "include" && kind !== "redirect") continue;
    const target = (m[2] ?? m[5] ?? "").toLowerCase().replace(/\.$/, "");
    if (!target) continue;
    if (target.includes("%")) {
      acc.problems.push(`${kind}:${target} uses a macro and was not followed`);
      continue;
    }
    if (path.includes(target)) {
      if (!acc.loops.includes(target)) acc.loops.push(target);
      continue;
    }
    let records: string[];
    try {
      records = (await resolveTxtJoined(resolver, target)).filter(isSpfRecord);
    } catch (err) {
      acc.problems.push(`looking up ${target} failed (${(err as { code?: string }).code ?? "error"})`);
      continue;
    }
    if (records.length === 0) {
      acc.problems.push(`${kind} ${target} has no SPF record`);
      continue;
    }
    await walk(resolver, records[0]!, [...path, target], acc);
  }
}
