/**
 * MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) for a tenant's inbound subdomain `<slug>.<INBOUND_DOMAIN>`
 * (R-STS-1): the policy text served at `https://mta-sts.<slug>.<INBOUND_DOMAIN>/.well-known/mta-sts.txt`, the
 * host names it lives on, and the two TXT records that announce it and ask for reports. Pure functions; the
 * database side is manage-mta-sts.ts.
 */
import { z } from "zod";
import { domainOf, tlsReportAddress } from "../mail/addresses";

export const MTA_STS_MODES = ["testing", "enforce", "none"] as const;
export const mtaStsMode = z.enum(MTA_STS_MODES);
export type MtaStsMode = z.infer<typeof mtaStsMode>;

/** RFC 8461 §3.1: the policy id is 1–32 alphanumerics. */
export const POLICY_ID_RE = /^[A-Za-z0-9]{1,32}$/;

/** RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year). */
export const MAX_AGE_LIMIT = 31_557_600;

export type MtaStsNames = {
  /** `<slug>.<INBOUND_DOMAIN>`: the policy domain (what senders deliver to). */
  policyDomain: string;
  /** `mta-sts.<policyDomain>`: where the policy is served over HTTPS. */
  policyHost: string;
  policyUrl: string;
  /** `_mta-sts.<policyDomain>` TXT `v=STSv1; id=…`. */
  stsRecordName: string;
  /** `_smtp._tls.<policyDomain>` TXT `v=TLSRPTv1; rua=…`. */
  tlsRptRecordName: string;
  /** The tenant's TLS-report mailbox. */
  reportMailbox: string;
  /** The HTTPS report endpoint (RFC 8460 §3, `https:` rua), served by this app on the policy host. */
  reportUrl: string;
};


export function mtaStsNames(slug: string, inboundDomain: string): MtaStsNames {
  const policyDomain = `${slug}.${domainOf(inboundDomain)}`;
  const policyHost = `mta-sts.${policyDomain}`;
  return {
    policyDomain,
    policyHost,
    policyUrl: `https://${policyHost}/.well-known/mta-sts.txt`,
    stsRecordName: `_mta-sts.${policyDomain}`,
    tlsRptRecordName: `_smtp._tls.${policyDomain}`,
    reportMailbox: tlsReportAddress(slug, inboundDomain),
    reportUrl: `https://${policyHost}/api/tls-reports/${slug}`,
  };
}

/**
 * The policy file (RFC 8461 §3.2): CRLF-separated `key: value` lines, one `mx` line per host. Mode `none` keeps
 * the same shape: it is how a domain withdraws a policy that senders have cached (§5).
 */
export function mtaStsPolicyText(policy: { mode: MtaStsMode; mx: string[]; maxAge: number }): string {
  const maxAge = Math.max(0, Math.min(Math.trunc(policy.maxAge), MAX_AGE_LIMIT));
  const lines = [
    "version: STSv1",
    `mode: ${policy.mode}`,
    ...policy.mx.map((host) => `mx: ${host}`),
    `max_age: ${maxAge}`,
  ];
  return `${lines.join("\r\n")}\r\n`;
}

/** The `_mta-sts` TXT value (RFC 8461 §3.1). */
export function stsRecordValue(policyId: string): string {
  if (!POLICY_ID_RE.test(policyId)) throw new Error(`invalid MTA-STS policy id: ${JSON.stringify(policyId)}`);
  return `v=STSv1; id=${policyId}`;
}

/** The `_smtp._tls` TXT value (RFC 8460 §3): reports by mail to the tenant's report mailbox and by HTTPS POST. */
export function tlsRptRecordValue(names: Pick<MtaStsNames, "reportMailbox" | "reportUrl">): string {
  return `v=TLSRPTv1; rua=mailto:${names.reportMailbox},${names.reportUrl}`;
}

/**
 * The tenant slug a policy request is for, from its Host header (`mta-sts.<slug>.<INBOUND_DOMAIN>`, any case,
 * with or without a port or a trailing dot), or null when the host is not a policy host of ours.
 */
export function slugFromPolicyHost(host: string | null | undefined, inboundDomain: string): string | null {
  if (!host || host.length > 300) return null;
  let h = host.trim().toLowerCase();
  // Strip a port; an IPv6 literal is never a policy host.
  if (h.startsWith("[")) return null;
  const colon = h.lastIndexOf(":");
  if (colon >= 0) {
    if (!/^\d{1,5}$/.test(h.slice(colon + 1))) return null;
    h = h.slice(0, colon);
  }
  h = h.replace(/\.+$/, "");
  const suffix = `.${domainOf(inboundDomain)}`;
  if (!h.startsWith("mta-sts.") || !h.endsWith(suffix)) return null;
  const slug = h.slice("mta-sts.".length, h.length - suffix.length);
  return /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(slug) ? slug : null;
}
