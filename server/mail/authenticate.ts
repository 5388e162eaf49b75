/**
 * Inbound message authentication and the drop policy (R-IN-2, R-IN-3).
 *
 * mailauth's `authenticate()` runs SPF (connecting IP, HELO, MAIL FROM), DKIM, DMARC and ARC against the
 * resolver we pass in (`createResolver({ servers: DNS_SERVERS })`), which returns TXT records as arrays of
 * character-strings; mailauth joins them, so records split into 255-byte chunks work (tested).
 *
 * Policy, in order:
 * 1. A DNS failure never drops: if a verdict that could lead to a drop is `temperror` (or mailauth itself
 *    fails), the message is delivered with the verdicts recorded and `transient: true`, so the MTA may
 *    choose `451` instead.
 * 2. DMARC `fail` with an effective policy of `reject` → drop, reason `dmarc` — unless a trusted ARC sealer
 *    vouches (below).
 * 3. SPF `fail`, no DKIM pass aligned with the From domain, and no DMARC record → drop, reason `spf` —
 *    unless a trusted ARC sealer vouches (forwarding is exactly what breaks SPF).
 * 4. Everything else (quarantine, softfail, neutral, none, permerror) is delivered with the verdicts.
 *
 * ARC trust rule. The chain must validate (`arc=pass`: every seal verifies and the newest message signature
 * matches the message as it reached us). We then walk the ARC sets from the newest (highest i=) down while
 * the sealer's `d=` is in `trustedArcSealers` (the domain itself or a subdomain of it), and accept the first
 * one whose ARC-Authentication-Results show `dmarc=pass`, or `dkim=pass` / `spf=pass` for a domain aligned
 * with the From domain. We stop at the first untrusted sealer: a seal covers the earlier ARC sets but only
 * the newest AMS covers the current content, so an untrusted hop after a trusted one could have rewritten
 * the message while keeping the trusted hop's "dmarc=pass" intact. Only an unbroken run of trusted sealers
 * at the top of the chain can vouch.
 *
 * Why not mailauth's `authenticate()`: its entry module loads the BIMI checker, which loads undici 8, and that
 * needs Node ≥ 22.19 (mailauth 7 declares the same engine); the project runs on Node 20. `runMailauth` below
 * is the same sequence as `authenticate()` (DKIM → SPF → ARC → DMARC with the alignment fix-up, then the
 * Authentication-Results header) from mailauth's own sub-modules, minus BIMI and sealing, which we do not use.
 *
 * Alignment is relaxed and approximated without a public-suffix list: the two domains are equal or one is
 * a subdomain of the other. DMARC's own alignment (from mailauth) is used wherever a DMARC record exists.
 */
import { isIP } from "node:net";
import { hostname } from "node:os";
import type { ARCResult, DKIMResult, DKIMVerifyResult, DMARCResult, DNSResolver, SPFResult } from "mailauth";
import { dkimVerify } from "mailauth/lib/dkim/verify";
import { spf as checkSpf } from "mailauth/lib/spf";
import { arc as checkArc } from "mailauth/lib/arc";
import { evaluateDmarc } from "mailauth/lib/dmarc";
import { z } from "zod";
import type { Resolver } from "../dns/resolver.ts";
import { aarVouches, aligned, arcSets, normDomain, rawHeaderFields, sealerTrusted } from "./auth-header-fields.ts";
import { bufferSlices } from "./buffer-slices.ts";

export type Verdict = "pass" | "fail" | "softfail" | "neutral" | "none" | "temperror" | "permerror";

export type AuthenticationDetails = {
  spf: { domain: string | null; result: Verdict; comment: string | null };
  dkim: { domain: string | null; selector: string | null; result: Verdict; aligned: boolean; comment: string | null }[];
  dmarc: {
    domain: string | null;
    policy: string | null;
    p: string | null;
    result: Verdict;
    record: boolean;
    comment: string | null;
  };
  arc: {
    result: Verdict;
    sealers: { i: number; domain: string; trusted: boolean }[];
    vouchedBy: string | null;
    comment: string | null;
  };
  /** The From header domain the checks were aligned with. */
  fromDomain: string | null;
  /** mailauth's Received-SPF and Authentication-Results header lines, to prepend to the stored message. */
  authResultsHeaders: string;
  /** The Authentication-Results value alone (what an ARC sealer records in ARC-Authentication-Results). */
  authResults: string;
  /** Set when mailauth itself failed. */
  error?: string;
};

export type AuthenticationResult = {
  spf: Verdict;
  dkim: Verdict;
  dmarc: Verdict;
  arc: Verdict;
  /** The effective DMARC policy of the From domain (`none` | `quarantine` | `reject`), or null without a record. */
  dmarcPolicy: string | null;
  action: "deliver" | "drop";
  reason?: "dmarc" | "spf";
  /** A DNS failure affected a verdict that could have dropped the message: the MTA may answer 451 instead. */
  transient?: true;
  details: AuthenticationDetails;
};

export const authenticateInput = z.object({
  raw: z.instanceof(Buffer),
  ip: z.string().min(1),
  helo: z.string().default(""),
  /** MAIL FROM without brackets; "" for the null sender. */
  mailFrom: z.string().default(""),
  resolver: z.custom<Resolver>((v) => typeof v === "function", "resolver must be a function"),
  trustedArcSealers: z.array(z.string()).default([]),
  /** Our host name, used as authserv-id in Authentication-Results. */
  mta: z.string().optional(),
});
export type AuthenticateInput = z.input<typeof authenticateInput>;

const VERDICTS = new Set<Verdict>(["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"]);

function verdict(result: string | undefined | null): Verdict {
  const r = (result ?? "none").toLowerCase();
  if (r === "temperr") return "temperror";
  if (r === "policy") return "neutral"; // e.g. a key below the minimum length: ignored by local policy
  if (r === "skipped" || r === "declined") return "none";
  return VERDICTS.has(r as Verdict) ? (r as Verdict) : "neutral";
}

/** What runMailauth returns: the shape of mailauth's AuthenticateResult that we use. */
type MailauthResult = {
  dkim: DKIMVerifyResult;
  spf: SPFResult | false;
  dmarc: DMARCResult | false;
  arc: ARCResult | false;
  dmarcSkipReason?: string;
  /** Received-SPF and Authentication-Results header lines (CRLF-terminated). */
  headers: string;
  /** The Authentication-Results value (authserv-id; resinfo…), what a sealer puts in its ARC-Authentication-Results. */
  authResults: string;
};

function authservId(mta: string): string {
  const v = mta.trim().toLowerCase();
  return /^[a-z0-9.-]{1,253}$/.test(v) ? v : "opsmerge";
}

async function runMailauth(
  raw: Buffer,
  o: { ip: string; helo: string; sender: string; mta: string; resolver: DNSResolver },
): Promise<MailauthResult> {
  const dkim = await dkimVerify(bufferSlices(raw), { resolver: o.resolver, sender: o.sender });
  let helo = o.helo || o.ip;
  if (helo && isIP(helo)) helo = `[${helo}]`;
  const spf = await checkSpf({ ip: o.ip, helo, sender: o.sender, mta: o.mta, resolver: o.resolver });
  const arc = dkim.arc ? await checkArc(dkim.arc as never, { resolver: o.resolver, ip: o.ip }) : false;

  const ar: string[] = [];
  for (const row of dkim.results ?? []) ar.push(row.info ?? "");
  if (spf) ar.push(spf.info);
  if (arc && arc.info) ar.push(arc.info);

  let dmarc: DMARCResult | false = false;
  let dmarcSkipReason: string | undefined;
  if (dkim.headerFrom) {
    const evaluated = await evaluateDmarc({
      headerFrom: dkim.headerFrom,
      fromFields: dkim.fromFields,
      spfDomains: spf && spf.status.result === "pass" && spf.domain ? [spf.domain] : [],
      dkimDomains: (dkim.results ?? [])
        .filter((r) => r.status.result === "pass")
        .map((r) => ({
          id: r.id,
          domain: r.signingDomain ?? "",
          aligned: r.status.aligned,
          underSized: r.status.underSized,
        })),
      arcResult: arc || undefined,
      resolver: o.resolver,
    });
    dmarc = evaluated.response;
    dmarcSkipReason = evaluated.reason;
    if (dmarc && dmarc.info) ar.push(dmarc.info);
    // As mailauth does: the verifier guessed alignment before the DMARC record was known; take DMARC's word.
    if (dmarc && evaluated.dkimAligned) {
      for (const row of dkim.results ?? []) {
        if (row.status.result === "pass") {
          row.status.aligned = evaluated.dkimAligned.has((row.signingDomain ?? "").toLowerCase())
            ? row.signingDomain
            : false;
        }
      }
    }
  }
  const authResults = [authservId(o.mta), ...ar.filter(Boolean)].join(";\r\n ");
  const headers = `${spf ? `${spf.header}\r\n` : ""}Authentication-Results: ${authResults}\r\n`;
  return { dkim, spf, dmarc, arc, dmarcSkipReason, headers, authResults };
}

function fromDomainOf(raw: Buffer, res: MailauthResult | null): string | null {
  const fromDmarc = res?.dmarc ? normDomain(res.dmarc.status.header?.from) : null;
  if (fromDmarc) return fromDmarc;
  const from = rawHeaderFields(raw).find(([n]) => n === "from")?.[1] ?? "";
  const m = /@([a-z0-9.-]+)\s*>?\s*$/i.exec(from) ?? /@([a-z0-9.-]+)/i.exec(from);
  return normDomain(m?.[1]);
}

function dkimDetails(results: DKIMResult[], fromDomain: string | null): AuthenticationDetails["dkim"] {
  return results.map((r) => ({
    domain: normDomain(r.signingDomain),
    selector: r.selector ?? null,
    result: verdict(r.status?.result),
    aligned: Boolean(r.status?.aligned) || aligned(normDomain(r.signingDomain), fromDomain),
    comment: r.status?.comment ?? null,
  }));
}

function overallDkim(list: AuthenticationDetails["dkim"]): Verdict {
  if (!list.length) return "none";
  for (const v of ["pass", "temperror", "fail", "permerror", "softfail", "neutral"] as const) {
    if (list.some((d) => d.result === v)) return v;
  }
  return "none";
}

/**
 * Authenticates one inbound message and applies the R-IN-3 drop policy. Never throws for bad mail or DNS
 * trouble (a DNS failure is a `transient` deliver); throws only for invalid arguments.
 */
export async function authenticateMessage(input: AuthenticateInput): Promise<AuthenticationResult> {
  const args = authenticateInput.parse(input);
  const trusted = args.trustedArcSealers.map((s) => s.toLowerCase());

  let res: MailauthResult | null = null;
  let error: string | undefined;
  try {
    res = await runMailauth(args.raw, {
      ip: args.ip,
      helo: args.helo,
      sender: args.mailFrom,
      mta: args.mta ?? hostname(),
      resolver: args.resolver as unknown as DNSResolver,
    });
  } catch (err) {
    error = (err as Error).message;
  }

  const fromDomain = fromDomainOf(args.raw, res);
  if (!res) {
    return {
      spf: "temperror",
      dkim: "temperror",
      dmarc: "temperror",
      arc: "temperror",
      dmarcPolicy: null,
      action: "deliver",
      transient: true,
      details: {
        spf: { domain: null, result: "temperror", comment: null },
        dkim: [],
        dmarc: { domain: fromDomain, policy: null, p: null, result: "temperror", record: false, comment: null },
        arc: { result: "temperror", sealers: [], vouchedBy: null, comment: null },
        fromDomain,
        authResultsHeaders: "",
        authResults: "",
        error,
      },
    };
  }

  const spf = res.spf ? verdict(res.spf.status.result) : "none";
  const dkimList = dkimDetails(res.dkim?.results ?? [], fromDomain);
  const dkim = overallDkim(dkimList);
  const dmarc = res.dmarc ? verdict(res.dmarc.status.result) : "none";
  const dmarcRecord = Boolean(res.dmarc && res.dmarc.rr);
  const dmarcPolicy =
    res.dmarc && dmarcRecord ? ((res.dmarc.policy || res.dmarc.p || null)?.toLowerCase() ?? null) : null;
  const arc = res.arc ? verdict(res.arc.status.result) : "none";

  const sets = arcSets(args.raw);
  let vouchedBy: string | null = null;
  if (arc === "pass") {
    for (const set of sets) {
      if (!sealerTrusted(set.sealer, trusted)) break;
      if (aarVouches(set.aar, fromDomain)) {
        vouchedBy = set.sealer;
        break;
      }
    }
  }

  const details: AuthenticationDetails = {
    spf: {
      domain: res.spf ? normDomain(res.spf.domain) : null,
      result: spf,
      comment: res.spf ? (res.spf.status.comment ?? null) : null,
    },
    dkim: dkimList,
    dmarc: {
      domain: res.dmarc ? normDomain(res.dmarc.domain) : fromDomain,
      policy: dmarcPolicy,
      p: res.dmarc ? res.dmarc.p || null : null,
      result: dmarc,
      record: dmarcRecord,
      comment: res.dmarc ? (res.dmarc.status.comment ?? res.dmarc.error ?? null) : (res.dmarcSkipReason ?? null),
    },
    arc: {
      result: arc,
      sealers: sets.map((s) => ({ i: s.i, domain: s.sealer, trusted: sealerTrusted(s.sealer, trusted) })),
      vouchedBy,
      comment: res.arc ? (res.arc.status.comment ?? null) : null,
    },
    fromDomain,
    authResultsHeaders: res.headers,
    authResults: res.authResults,
  };
  const base = { spf, dkim, dmarc, arc, dmarcPolicy, details };

  const alignedDkimPass = dkimList.some((d) => d.result === "pass" && d.aligned);
  const dkimTemp = dkimList.some((d) => d.result === "temperror");

  // 1. DNS trouble on anything that could drop the message: deliver, flagged transient.
  if (dmarc === "temperror" || (dmarc === "fail" && (dkimTemp || spf === "temperror"))) {
    return { ...base, action: "deliver", transient: true };
  }
  // 2. DMARC reject.
  if (dmarc === "fail" && dmarcPolicy === "reject") {
    if (vouchedBy) return { ...base, action: "deliver" };
    return { ...base, action: "drop", reason: "dmarc" };
  }
  // 3. SPF fail with nothing else to vouch for the sender.
  if (spf === "fail" && !alignedDkimPass && !dmarcRecord) {
    if (dkimTemp) return { ...base, action: "deliver", transient: true };
    if (vouchedBy) return { ...base, action: "deliver" };
    return { ...base, action: "drop", reason: "spf" };
  }
  if (spf === "temperror" && !alignedDkimPass && !dmarcRecord) return { ...base, action: "deliver", transient: true };
  return { ...base, action: "deliver" };
}

/**
 * R-IN-9: whether the checks vouch for the From address, so that an automatic answer to it reaches the person
 * who wrote and not a forged victim: DMARC pass; or a trusted ARC sealer vouching for an earlier pass (the
 * MSP's own Microsoft 365 or Google forwarding); or, where the From domain publishes no DMARC record, an SPF or
 * DKIM pass aligned with the From domain. A DMARC record that failed is never overridden by SPF or DKIM alone.
 */
export function isSenderAuthenticated(result: AuthenticationResult): boolean {
  if (result.dmarc === "pass" || result.details.arc.vouchedBy) return true;
  if (result.details.dmarc.record) return false;
  const fromDomain = result.details.fromDomain;
  if (result.details.dkim.some((d) => d.result === "pass" && d.aligned)) return true;
  return result.spf === "pass" && aligned(result.details.spf.domain, fromDomain);
}
