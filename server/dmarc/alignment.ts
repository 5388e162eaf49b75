/**
 * DMARC identifier alignment (RFC 7489 §3.1, RFC 9989 §3.2.10) for the records of aggregate reports: an
 * authenticated domain aligns with the RFC 5322.From domain when they are equal (strict, `s`) or share an
 * Organizational Domain (relaxed, `r`, the default). The Organizational Domain comes from the Public Suffix List
 * through tldts, with private suffixes on — the library and options mailauth uses for the gateway's own inbound
 * DMARC check, so a report and our own verdict agree on what "aligned" means.
 */
import { getDomain } from "tldts";
import { PUBLIC_SUFFIX_OPTIONS } from "../domain-names";
import type { DkimAuthResult, SpfAuthResult } from "./parse-aggregate-report";

export type AlignmentMode = "r" | "s";

function clean(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.+$/, "");
}

/** The Organizational Domain: the registrable domain under the Public Suffix List, else the domain itself. */
export function organizationalDomain(domain: string): string {
  const d = clean(domain);
  return getDomain(d, PUBLIC_SUFFIX_OPTIONS) ?? d;
}

export function domainsAlign(authenticated: string, headerFrom: string, mode: AlignmentMode): boolean {
  const a = clean(authenticated);
  const f = clean(headerFrom);
  if (!a || !f) return false;
  if (mode === "s") return a === f;
  return organizationalDomain(a) === organizationalDomain(f);
}

/** A passing DKIM signature whose d= aligns with the From domain. */
export function isDkimAligned(headerFrom: string, results: DkimAuthResult[], mode: AlignmentMode): boolean {
  return results.some((r) => r.result === "pass" && domainsAlign(r.domain, headerFrom, mode));
}

/**
 * A passing SPF check of the MAIL FROM identity whose domain aligns with the From domain. DMARC uses the HELO
 * identity only when MAIL FROM is empty, which reporters do not tell us, so a HELO-scoped pass does not count.
 */
export function isSpfAligned(headerFrom: string, results: SpfAuthResult[], mode: AlignmentMode): boolean {
  return results.some((r) => r.result === "pass" && r.scope !== "helo" && domainsAlign(r.domain, headerFrom, mode));
}
