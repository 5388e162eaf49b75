/**
 * The gateway's own addresses (R-TEN-2, R-TEN-3). Every tenant has one inbound subdomain
 * `<slug>.<INBOUND_DOMAIN>` carrying:
 *
 *   support@…                       the tenant mailbox the MSP forwards its support mailbox to
 *   reply-<ticketId>-<token>@…      per-ticket reply address (Reply-To of everything we send on a ticket)
 *   bounce-<messageId>-<token>@…    per-outbound-message VERP address (our envelope sender)
 *   dmarc-reports@…, tls-reports@…  the tenant's DMARC aggregate and TLS-RPT report mailboxes
 *
 * Token: HMAC-SHA256 under a key derived from APP_SECRET, over (kind, slug, id), truncated to 80 bits and
 * written in lower-case RFC 4648 base32 (16 characters). Lower-case base32 because mail systems lower-case
 * local parts in transit; verification therefore lower-cases first and compares in constant time. The slug is
 * inside the MAC, so a token copied onto another tenant's subdomain fails. The longest local part is
 * `bounce-` + 25 + `-` + 16 = 49 characters, well under the 64 allowed by RFC 5321.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { domainToASCII } from "node:url";
import { normaliseDomain } from "../domain-names";
import { firstBracketed } from "./header-text";

export type GatewayAddressKind = "mailbox" | "reply" | "bounce" | "dmarc-reports" | "tls-reports";

export type GatewayAddress = {
  slug: string;
  kind: GatewayAddressKind;
  ticketId?: string;
  messageId?: string;
};

const MAILBOX_LOCAL = "support";
const DMARC_LOCAL = "dmarc-reports";
const TLS_LOCAL = "tls-reports";
/** 80 bits = 10 bytes = exactly 16 base32 characters. */
const TOKEN_BYTES = 10;
const TOKEN_CHARS = 16;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** cuid / cuid2 ids: lower-case alphanumerics. The bound keeps the local part ≤ 64 characters. */
const ID_RE = /^[a-z0-9]{1,40}$/;
const TOKEN_RE = /^[a-z2-7]{16}$/;

/**
 * The one domainOf: the domain of an email address (after its last "@"; a bare domain is its own) as the gateway
 * compares domains, normalised by normaliseDomain (A-label, lower case); a part that is no valid domain name is
 * only trimmed and lower-cased, so it still compares equal to nothing stored.
 */
export function domainOf(address: string): string {
  const raw = address.slice(address.lastIndexOf("@") + 1);
  return normaliseDomain(raw) ?? raw.trim().toLowerCase().replace(/\.+$/, "");
}

/** Whether `domain` is `base` or a name under it (both as domainOf gives them; `base` may end in a dot). */
export function isAtOrUnderDomain(domain: string, base: string): boolean {
  const b = domainOf(base);
  return Boolean(b) && (domain === b || domain.endsWith(`.${b}`));
}

function assertSlug(slug: string): void {
  if (!SLUG_RE.test(slug)) throw new Error(`invalid tenant slug: ${JSON.stringify(slug)}`);
}

function assertId(id: string, what: string): void {
  if (!ID_RE.test(id)) throw new Error(`invalid ${what}: ${JSON.stringify(id)}`);
}

function tenantDomain(slug: string, inboundDomain: string): string {
  assertSlug(slug);
  return `${slug}.${domainOf(inboundDomain)}`;
}

function base32(bytes: Buffer): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * A sub-key for address tokens only, so the same APP_SECRET used elsewhere (sessions, key encryption) never
 * produces MACs over attacker-influenced data in another context.
 */
function tokenKey(secret: string): Buffer {
  return createHmac("sha256", secret).update("opsmerge:address-token:v1").digest();
}

function token(secret: string, kind: "reply" | "bounce", slug: string, id: string): string {
  // NUL separators: slugs and ids never contain NUL, so (kind, slug, id) encodes unambiguously.
  const mac = createHmac("sha256", tokenKey(secret)).update(`${kind}\0${slug}\0${id}`).digest();
  return base32(mac.subarray(0, TOKEN_BYTES)).slice(0, TOKEN_CHARS);
}

function tokenMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "ascii");
  const b = Buffer.from(given, "ascii");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The tenant's inbound mailbox, `support@<slug>.<inboundDomain>` (R-TEN-2). */
export function tenantMailbox(slug: string, inboundDomain: string): string {
  return `${MAILBOX_LOCAL}@${tenantDomain(slug, inboundDomain)}`;
}

/** The per-ticket reply address (R-TEN-3, R-IN-6): `reply-<ticketId>-<token>@<slug>.<inboundDomain>`. */
export function replyAddress(secret: string, ref: { slug: string; ticketId: string }, inboundDomain: string): string {
  assertId(ref.ticketId, "ticket id");
  const domain = tenantDomain(ref.slug, inboundDomain);
  return `reply-${ref.ticketId}-${token(secret, "reply", ref.slug, ref.ticketId)}@${domain}`;
}

/** The VERP envelope sender of one outbound message (R-TEN-3, R-OUT-4): `bounce-<messageId>-<token>@…`. */
export function bounceAddress(secret: string, ref: { slug: string; messageId: string }, inboundDomain: string): string {
  assertId(ref.messageId, "message id");
  const domain = tenantDomain(ref.slug, inboundDomain);
  return `bounce-${ref.messageId}-${token(secret, "bounce", ref.slug, ref.messageId)}@${domain}`;
}

/** The tenant's DMARC aggregate-report mailbox (the `rua` target, R-X-1). */
export function dmarcReportAddress(slug: string, inboundDomain: string): string {
  return `${DMARC_LOCAL}@${tenantDomain(slug, inboundDomain)}`;
}

/** The tenant's TLS-RPT report mailbox (R-STS-1/3). */
export function tlsReportAddress(slug: string, inboundDomain: string): string {
  return `${TLS_LOCAL}@${tenantDomain(slug, inboundDomain)}`;
}

/**
 * Recognises one of the gateway's addresses and verifies its token; anything else (other domains, unknown local
 * parts, forged, truncated or moved tokens, garbage) is `null`. Never throws. Tolerates what mail systems do to
 * addresses in transit: upper case anywhere, a trailing dot on the domain, angle brackets, and `+tag`
 * sub-addressing (`support+billing@…`). Whether the slug is a real tenant is for the caller to look up.
 */
export function parseGatewayAddress(secret: string, address: string, inboundDomain: string): GatewayAddress | null {
  try {
    if (typeof address !== "string" || address.length > 512) return null;
    let a = address.trim();
    if (a.startsWith("<") && a.endsWith(">")) a = a.slice(1, -1).trim();
    const at = a.lastIndexOf("@");
    if (at <= 0) return null;
    let local = a.slice(0, at).toLowerCase();
    const domain = domainOf(a);
    const base = domainOf(inboundDomain);
    if (!base || !domain.endsWith(`.${base}`)) return null;
    const slug = domain.slice(0, domain.length - base.length - 1);
    if (!SLUG_RE.test(slug)) return null;

    const plus = local.indexOf("+");
    if (plus >= 0) local = local.slice(0, plus);

    if (local === MAILBOX_LOCAL) return { slug, kind: "mailbox" };
    if (local === DMARC_LOCAL) return { slug, kind: "dmarc-reports" };
    if (local === TLS_LOCAL) return { slug, kind: "tls-reports" };

    const m = /^(reply|bounce)-([a-z0-9]{1,40})-([a-z2-7]+)$/.exec(local);
    if (!m) return null;
    const kind = m[1] as "reply" | "bounce";
    const id = m[2]!;
    const given = m[3]!;
    if (!TOKEN_RE.test(given)) return null;
    if (!tokenMatches(token(secret, kind, slug, id), given)) return null;
    return kind === "reply" ? { slug, kind, ticketId: id } : { slug, kind, messageId: id };
  } catch {
    return null;
  }
}

/** `Name <A@Bücher.Example>` or `a@bücher.example` → `a@xn--bcher-kva.example`; null when not an address. */
export function normaliseSenderAddress(address: string | null | undefined): string | null {
  if (!address) return null;
  const bare = (firstBracketed(address) ?? address).trim();
  const at = bare.lastIndexOf("@");
  if (at <= 0 || at === bare.length - 1) return null;
  const domain = domainToASCII(bare.slice(at + 1).replace(/\.$/, "")).toLowerCase();
  if (!domain) return null;
  return `${bare.slice(0, at).toLowerCase()}@${domain}`;
}
