/**
 * Our Message-Id structure (R-OUT-1, R-IN-6): `om.<slug>.<ticketId>.<messageId>.<mac>@<from-domain>`.
 * A reply's In-Reply-To/References then name tenant, ticket and message, and the MAC (HMAC-SHA256 under a key
 * derived from APP_SECRET, 80 bits, hex) means nobody can forge a Message-Id that threads into a ticket.
 * Slugs have no dots and ids are lower-case alphanumerics, so the dotted form splits unambiguously.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { deriveKey } from "../crypto/secret-box";

const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ID_RE = /^[a-z0-9]{1,40}$/;
const MAC_HEX = 20;
const PARSE_RE = /^om\.([a-z0-9-]{1,63})\.([a-z0-9]{1,40})\.([a-z0-9]{1,40})\.([0-9a-f]{20})@([^\s@<>]+)$/;

export type OutboundMessageRef = { slug: string; ticketId: string; messageId: string };

function mac(secret: string, r: OutboundMessageRef): string {
  return createHmac("sha256", deriveKey(secret, "message-id"))
    .update(`${r.slug}\0${r.ticketId}\0${r.messageId}`)
    .digest("hex")
    .slice(0, MAC_HEX);
}

/**
 * The Message-Id (without angle brackets) of an outbound message. `domain` is the From domain, so the id looks
 * like the sender's own and never leaks the gateway's host name.
 */
export function outboundMessageId(
  secret: string,
  input: { tenantSlug: string; ticketId: string; messageId: string; domain: string },
): string {
  const ref = { slug: input.tenantSlug, ticketId: input.ticketId, messageId: input.messageId };
  if (!SLUG_RE.test(ref.slug)) throw new Error(`invalid tenant slug: ${JSON.stringify(ref.slug)}`);
  if (!ID_RE.test(ref.ticketId) || !ID_RE.test(ref.messageId)) throw new Error("invalid ticket or message id");
  if (!/^[a-z0-9.-]+$/i.test(input.domain)) throw new Error(`invalid domain: ${JSON.stringify(input.domain)}`);
  return `om.${ref.slug}.${ref.ticketId}.${ref.messageId}.${mac(secret, ref)}@${input.domain.toLowerCase()}`;
}

/**
 * Recognises one of our Message-Ids (with or without angle brackets) and verifies its MAC; anything else, forged
 * or altered is null. Never throws. Whether the slug is the receiving tenant is for the caller to check (R-IN-6:
 * a reference to another tenant's ticket is ignored).
 */
export function parseOutboundMessageId(secret: string, id: string): OutboundMessageRef | null {
  if (typeof id !== "string" || id.length > 400) return null;
  let s = id.trim();
  if (s.startsWith("<") && s.endsWith(">")) s = s.slice(1, -1).trim();
  const m = PARSE_RE.exec(s);
  if (!m) return null;
  const ref = { slug: m[1]!, ticketId: m[2]!, messageId: m[3]! };
  if (!SLUG_RE.test(ref.slug)) return null;
  const expected = Buffer.from(mac(secret, ref), "ascii");
  const given = Buffer.from(m[4]!, "ascii");
  return expected.length === given.length && timingSafeEqual(expected, given) ? ref : null;
}
