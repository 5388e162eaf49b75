/**
 * Tenant blocklist (R-IN-4, R-BL-1): one module used by the MTA (before a ticket is made) and by the web app
 * (validating what an admin types). Entries are stored normalised — lower case, IDN domains as A-labels — so
 * matching is plain string work.
 *
 * Patterns are matched by a hand-written glob matcher, never by a RegExp built from user input: a pattern such
 * as `*a*a*a*a*a*b` against a long address is where backtracking regex engines go exponential. The matcher
 * below is the classic greedy two-pointer algorithm with one remembered star: O(pattern × address) in the worst
 * case, with both bounded in length, so no input can make it hang.
 */
import { z } from "zod";
import { normaliseDomain } from "../domain-names.ts";
import { domainOf } from "./addresses.ts";
import { AppError } from "../errors.ts";

export type BlocklistKind = "EMAIL" | "DOMAIN" | "PATTERN";
export type BlocklistInput = { kind: BlocklistKind; value: string };
export type BlocklistEntry = { id: string; kind: string; value: string };

/** RFC 5321 path limit; anything longer is not an address anyone can send from. */
const MAX_LENGTH = 254;
/** atext of RFC 5322 (plus `.`); UTF-8 is allowed in local parts for SMTPUTF8 senders. */
const LOCAL_RE = /^[a-z0-9.!#$%&'+\-/=^_`{|}~\u0080-\uffff]+$/u;
const PATTERN_RE = /^[a-z0-9.!#$%&'+\-/=^_`{|}~*?@]+$/;

const rawInput = z.string().max(1000, "That is too long to be an email address, domain or pattern.");

function bad(message: string): never {
  throw new AppError("BAD_INPUT", message, { field: "value" });
}


function normaliseEmail(input: string): string | null {
  const at = input.lastIndexOf("@");
  if (at <= 0 || at === input.length - 1) return null;
  const local = input.slice(0, at).toLowerCase();
  if (local.includes("@") || local.length > 64 || !LOCAL_RE.test(local)) return null;
  if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) return null;
  const domain = normaliseDomain(input.slice(at + 1));
  return domain ? `${local}@${domain}` : null;
}

/**
 * Turns what an admin typed into a blocklist entry: a full address (EMAIL), a domain (DOMAIN, also written
 * `@domain`), or a pattern with `*` (any run of characters) and `?` (one character) over the full address.
 * Throws AppError BAD_INPUT with a message fit for the form when it is none of those.
 */
export function parseBlocklistInput(raw: string): BlocklistInput {
  const parsed = rawInput.safeParse(raw);
  if (!parsed.success) bad(parsed.error.issues[0]?.message ?? "Enter an email address, a domain or a pattern.");
  const value = parsed.data.trim();
  if (!value) bad("Enter an email address, a domain or a pattern.");
  if (/\s/.test(value)) bad("Spaces are not allowed: enter one email address, domain or pattern.");
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    bad("That contains control characters.");
  if (value.length > MAX_LENGTH) bad("That is too long to be an email address, domain or pattern.");
  const atCount = [...value].filter((c) => c === "@").length;
  if (atCount > 1) bad("An address has exactly one @.");

  if (/[*?]/.test(value)) {
    let lower = value.toLowerCase();
    // A wildcard-free domain part may be an IDN: convert it; wildcards inside an IDN must be typed as xn--.
    const at = lower.lastIndexOf("@");
    if (at >= 0) {
      const dom = lower.slice(at + 1);
      if (dom && !/[*?]/.test(dom)) {
        const ascii = normaliseDomain(dom);
        if (!ascii) bad(`"${dom}" is not a valid domain.`);
        lower = `${lower.slice(0, at + 1)}${ascii}`;
      }
    }
    if (!PATTERN_RE.test(lower)) {
      bad("A pattern may contain letters, digits, the characters allowed in addresses, and the wildcards * and ?.");
    }
    if (!/[a-z0-9]/.test(lower)) {
      bad("That pattern would block every sender. Add at least part of an address or domain.");
    }
    return { kind: "PATTERN", value: lower };
  }

  if (atCount === 1 && value.startsWith("@")) {
    const domain = normaliseDomain(value.slice(1));
    if (!domain) bad(`"${value.slice(1)}" is not a valid domain.`);
    return { kind: "DOMAIN", value: domain };
  }
  if (atCount === 1) {
    const email = normaliseEmail(value);
    if (!email) bad(`"${value}" is not a valid email address.`);
    return { kind: "EMAIL", value: email };
  }
  const domain = normaliseDomain(value);
  if (!domain) bad(`"${value}" is not a valid domain. Enter a domain such as example.com.`);
  return { kind: "DOMAIN", value: domain };
}

/**
 * `*` matches any run (including empty), `?` exactly one character; everything else literally. Iterative
 * greedy matching with a single backtrack point: when a later star is met, earlier stars never need
 * revisiting, so the work is bounded by pattern length × text length.
 */
export function globMatch(pattern: string, text: string): boolean {
  const p = [...pattern];
  const t = [...text];
  let pi = 0;
  let ti = 0;
  let starPi = -1;
  let starTi = 0;
  while (ti < t.length) {
    const pc = p[pi];
    if (pc !== undefined && pc !== "*" && (pc === "?" || pc === t[ti])) {
      pi++;
      ti++;
    } else if (pc === "*") {
      starPi = pi++;
      starTi = ti;
    } else if (starPi >= 0) {
      pi = starPi + 1;
      ti = ++starTi;
    } else {
      return false;
    }
  }
  while (p[pi] === "*") pi++;
  return pi === p.length;
}

/** The sender as stored entries expect it: trimmed, without brackets, lower case, A-label domain. */
function normaliseSender(address: string): { address: string; domain: string } | null {
  let a = address.trim();
  if (a.startsWith("<") && a.endsWith(">")) a = a.slice(1, -1).trim();
  const at = a.lastIndexOf("@");
  if (at <= 0 || at === a.length - 1 || a.length > 1000) return null;
  const local = a.slice(0, at).toLowerCase();
  const domain = domainOf(a);
  return { address: `${local}@${domain}`, domain };
}

/**
 * The first entry (in the given order) that blocks `senderAddress`, or null. EMAIL: the whole address,
 * case-insensitive. DOMAIN: the sender's domain or any subdomain of it (`example.com` blocks
 * `x@mail.example.com`, not `x@badexample.com`). PATTERN: glob over the whole address. A null or unparsable
 * sender matches nothing: the blocklist is about who sent it, and a bounce has no one.
 */
export function matchBlocklist<E extends BlocklistEntry>(entries: readonly E[], senderAddress: string): E | null {
  const sender = normaliseSender(senderAddress ?? "");
  if (!sender) return null;
  for (const entry of entries) {
    const value = entry.value.trim().toLowerCase();
    if (!value) continue;
    switch (entry.kind) {
      case "EMAIL":
        if (sender.address === value) return entry;
        break;
      case "DOMAIN": {
        const d = value.replace(/^@/, "").replace(/\.$/, "");
        if (sender.domain === d || sender.domain.endsWith(`.${d}`)) return entry;
        break;
      }
      case "PATTERN":
        if (globMatch(value, sender.address)) return entry;
        break;
    }
  }
  return null;
}
