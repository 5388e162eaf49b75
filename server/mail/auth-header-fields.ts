/**
 * What authenticate.ts reads from the message's own header fields besides mailauth's verdicts (R-IN-3): the
 * top-level header fields, the ARC sets (seal domain and ARC-Authentication-Results per instance), whether an
 * ARC-Authentication-Results records a pass aligned with the From domain, and relaxed domain alignment.
 */
import { domainOf, isAtOrUnderDomain } from "./addresses.ts";

/** A domain from an authentication result or header field, compared as domainOf does; null when empty. */
export function normDomain(d: string | undefined | null): string | null {
  return domainOf(d ?? "") || null;
}

export function aligned(a: string | null, b: string | null): boolean {
  if (!a || !b) return false;
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

/** Whether an ARC sealer is one of the trusted ones (TRUSTED_ARC_SEALERS) or under one. */
export function sealerTrusted(domain: string, trusted: string[]): boolean {
  return trusted.some((t) => isAtOrUnderDomain(domain, t));
}

/** Top-level header fields of a raw message, unfolded (for the ARC sets; parsing is bounded to 1 MB). */
export function rawHeaderFields(raw: Buffer): [string, string][] {
  const head = raw.subarray(0, 1024 * 1024).toString("latin1");
  const end = head.search(/\r?\n\r?\n/);
  const block = end >= 0 ? head.slice(0, end) : head;
  const out: [string, string][] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && out.length) out[out.length - 1]![1] += ` ${line.trim()}`;
    else {
      const c = line.indexOf(":");
      if (c > 0) out.push([line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim()]);
    }
  }
  return out;
}

function tag(value: string, name: string): string | null {
  const m = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*([^;]*)`, "i").exec(value);
  return m ? m[1]!.replace(/\s+/g, "") : null;
}

export type ArcSet = { i: number; sealer: string; aar: string };

export function arcSets(raw: Buffer): ArcSet[] {
  const fields = rawHeaderFields(raw);
  const seals = new Map<number, string>();
  const aars = new Map<number, string>();
  for (const [name, value] of fields) {
    const i = Number(tag(value, "i"));
    if (!Number.isInteger(i) || i < 1 || i > 50) continue;
    if (name === "arc-seal" && !seals.has(i)) seals.set(i, normDomain(tag(value, "d")) ?? "");
    if (name === "arc-authentication-results" && !aars.has(i)) aars.set(i, value);
  }
  return [...seals.entries()].map(([i, sealer]) => ({ i, sealer, aar: aars.get(i) ?? "" })).sort((a, b) => b.i - a.i);
}

/** Whether an ARC-Authentication-Results value records a DMARC pass, or an SPF/DKIM pass aligned with `fromDomain`. */
export function aarVouches(aar: string, fromDomain: string | null): boolean {
  // Split into resinfo clauses; each starts with method=result.
  const clauses = aar.split(";").map((c) => c.trim().toLowerCase());
  for (const c of clauses) {
    const m = /^(dmarc|dkim|spf)\s*=\s*([a-z]+)/.exec(c);
    if (!m || m[2] !== "pass") continue;
    if (m[1] === "dmarc") {
      const hf = normDomain(/header\.from\s*=\s*([^\s;]+)/.exec(c)?.[1]);
      if (!fromDomain || !hf || aligned(hf, fromDomain)) return true;
    }
    if (m[1] === "dkim") {
      const d = normDomain(
        /header\.d\s*=\s*([^\s;]+)/.exec(c)?.[1] ?? /header\.i\s*=\s*[^@\s;]*@([^\s;]+)/.exec(c)?.[1],
      );
      if (aligned(d, fromDomain)) return true;
    }
    if (m[1] === "spf") {
      const mf = /smtp\.mailfrom\s*=\s*([^\s;]+)/.exec(c)?.[1] ?? "";
      if (aligned(normDomain(mf.includes("@") ? mf.split("@").pop() : mf), fromDomain)) return true;
    }
  }
  return false;
}
