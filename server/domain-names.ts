/**
 * Domain names as the gateway stores and compares them (R-IN-5): trimmed, lower-cased, IDN-normalised to the
 * ASCII (A-label, punycode) form. Routing compares the sender's domain against stored rows with plain equality,
 * so every domain must go through `normaliseDomain` before it is written or looked up. People see the Unicode
 * (U-label) form via `displayDomain`.
 */
import { domainToASCII, domainToUnicode } from "node:url";
import { getDomain } from "tldts";
import { AppError } from "./errors";

const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Free-mail providers: anyone can get an address there, so their domains never identify a client (R-UNA-1).
 * Senders from these domains are attributed by their contact address instead.
 */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "hotmail.co.uk",
  "live.com",
  "msn.com",
  "yahoo.com",
  "yahoo.co.uk",
  "ymail.com",
  "icloud.com",
  "me.com",
  "mac.com",
  "aol.com",
  "proton.me",
  "protonmail.com",
  "gmx.com",
  "gmx.net",
  "gmx.de",
  "web.de",
  "mail.com",
  "zoho.com",
  "yandex.com",
  "yandex.ru",
  "mail.ru",
  "fastmail.com",
  "tutanota.com",
  "qq.com",
  "163.com",
]);

/**
 * The one normalisation of a domain name: the A-label (punycode), lower-case form of `input` (trimmed, one leading
 * "@" and one trailing dot dropped), or null when it is not a valid internet domain name (addresses, URLs, IP
 * literals, control characters and single labels are not). Callers that must refuse bad input throw badDomain.
 */
export function normaliseDomain(input: string): string | null {
  const trimmed = input.trim().replace(/^@/, "").replace(/\.$/, "");
  if (trimmed === "" || /[\s@/\\:?#[\]\p{Cc}]/u.test(trimmed)) return null;
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (ascii === "" || ascii.length > 253) return null;
  const labels = ascii.split(".");
  if (labels.length < 2) return null;
  if (!labels.every((label) => LABEL_RE.test(label))) return null;
  // A numeric top-level label means an IP address, not a domain.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return null;
  return ascii;
}

/** The error for a domain typed by a person that normaliseDomain refused: `normaliseDomain(x) ?? badDomain(x, field)`. */
export function badDomain(input: string, field = "domain"): never {
  throw new AppError("BAD_INPUT", `“${input.trim()}” is not a valid domain name (for example: acme.com).`, { field });
}

/** An address with its domain in A-label form when the domain is valid; otherwise as given. */
export function withAsciiDomain(address: string): string {
  const at = address.lastIndexOf("@");
  const domain = at > 0 ? normaliseDomain(address.slice(at + 1)) : null;
  return domain ? `${address.slice(0, at)}@${domain}` : address;
}

/** The Unicode form people read (bücher.de rather than xn--bcher-kva.de). */
export function displayDomain(domain: string): string {
  return domainToUnicode(domain) || domain;
}

export function isFreeMailDomain(domain: string): boolean {
  return FREE_MAIL_DOMAINS.has(domain);
}

/**
 * The Public Suffix List as the product reads it everywhere (tldts, ICANN and private suffixes): mailauth's DMARC
 * check and the report alignment (server/dmarc/alignment.ts) use the same options.
 */
export const PUBLIC_SUFFIX_OPTIONS = { allowIcannDomains: true, allowPrivateDomains: true } as const;

/** True for a public suffix itself (co.uk, com, github.io): a name under which anyone can register, never one owner's. */
export function isPublicSuffix(domain: string): boolean {
  return getDomain(domain, PUBLIC_SUFFIX_OPTIONS) === null;
}

/** True for a free-mail provider's domain or any name under it (gmail.com, mail.gmail.com). */
export function isUnderFreeMailDomain(domain: string): boolean {
  return domainAndParents(domain).some(isFreeMailDomain);
}

/** The domain and each parent with at least two labels: a.b.example.com → [a.b.example.com, b.example.com, example.com]. */
export function domainAndParents(domain: string): string[] {
  const labels = domain.split(".");
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join("."));
  return out;
}

/** An address with its domain in Unicode form, for display. */
export function displayEmail(email: string): string {
  const at = email.lastIndexOf("@");
  return at < 0 ? email : `${email.slice(0, at)}@${displayDomain(email.slice(at + 1))}`;
}
