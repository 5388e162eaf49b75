/**
 * Domain names as the gateway stores and compares them: IDN-normalised to the ASCII (punycode A-label) form and
 * lower-cased, so "Bücher.Example" and "xn--bcher-kva.example" are one sending domain.
 */
import { domainToASCII } from "node:url";

const LABEL_RE = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The normalised form of a user-typed domain, or null when it is not a usable mail domain: it must have at least
 * two labels, each 1–63 letters/digits/hyphens (no leading or trailing hyphen), at most 253 characters, and a
 * top-level label that is not all digits (which also rules out IPv4 literals).
 */
export function normaliseDomain(input: string): string | null {
  const trimmed = input.trim().replace(/\.$/, "");
  // Anything with spaces, @, slashes or control characters is not a domain, whatever the URL parser would make of it.
  if (!trimmed || /[\s@/\\:?#[\]\p{Cc}]/u.test(trimmed)) return null;
  const ascii = domainToASCII(trimmed).toLowerCase();
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL_RE.test(l))) return null;
  if (/^\d+$/.test(labels[labels.length - 1]!)) return null;
  return ascii;
}

/** The normalised domain of an email address (after the last "@"), or null. */
export function domainOfAddress(address: string): string | null {
  const at = address.lastIndexOf("@");
  if (at <= 0) return null;
  return normaliseDomain(address.slice(at + 1));
}
