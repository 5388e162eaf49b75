/**
 * Domain names as sending domains store and compare them. The rule itself (IDN → A-label, lower case, label
 * syntax) lives once in server/domain-names.ts; this module only adapts it to the nullable shape the sending-
 * domain code uses.
 */
import { toDomainName } from "../domain-names";

/** The normalised (A-label, lower-case) form of a user-typed domain, or null when it is not a usable mail domain. */
export function normaliseDomain(input: string): string | null {
  // Addresses, URLs and control characters are never domains, whatever the URL parser would make of them.
  if (/[\s@/\\:?#[\]\p{Cc}]/u.test(input.trim())) return null;
  return toDomainName(input);
}

/** The normalised domain of an email address (after the last "@"), or null. */
export function domainOfAddress(address: string): string | null {
  const at = address.lastIndexOf("@");
  if (at <= 0) return null;
  return normaliseDomain(address.slice(at + 1));
}
