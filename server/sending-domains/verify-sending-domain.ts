/**
 * Verify a sending domain against live DNS (R-DOM-3): SPF, DKIM and DMARC are re-queried now through the
 * configurable resolver, each judged verified / missing / wrong in plain words with what was found. TXT records
 * split into several strings are joined before parsing. The outcome is stored on the row; `verified` (SPF and
 * DKIM both verified) is what From resolution trusts (R-DOM-4, R-OUT-2). DMARC is recommended, never blocking.
 */
import { z } from "zod";
import type { Tx } from "../db/client";
import { resolveTxtJoined, type Resolver } from "../dns/resolver";
import { AppError } from "../errors";
import { dmarcReportAddress } from "../mail/addresses";
import { dkimHost, dkimRecordValue } from "./records-to-publish";
import { countSpfRecordLookups, isSpfRecord, mergeSpf, requiredSpfTerms, SPF_LOOKUP_LIMIT, spfAuthorises } from "./spf";

export type RecordStatus = "verified" | "missing" | "wrong";

export type RecordCheck = {
  status: RecordStatus;
  host: string;
  /** What we expect to find (the value to publish). */
  expected: string;
  /** The relevant TXT values found at the host, strings joined. */
  found: string[];
  /** One sentence naming the record and its problem, e.g. "DKIM record at s._domainkey.example.com is missing". */
  message: string;
  /** DMARC is recommended only: its status never blocks verification. */
  required: boolean;
};

export type DomainCheck = {
  checkedAt: string;
  spf: RecordCheck;
  dkim: RecordCheck;
  dmarc: RecordCheck;
  /** SPF and DKIM verified. */
  verified: boolean;
  /** Set by the scheduled re-check when a verified domain stopped verifying. */
  drift?: { at: string; records: string[] };
};

export type CheckOptions = { spfInclude: string; dmarcRua?: string };

type Tags = Map<string, string>;

/** DKIM/DMARC tag-list (RFC 6376 §3.2): `k=v; k=v`, keys lower-cased, whitespace around values dropped. */
function parseTags(value: string): Tags {
  const tags: Tags = new Map();
  for (const part of value.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    if (key && !tags.has(key)) tags.set(key, part.slice(eq + 1).trim());
  }
  return tags;
}

async function txt(resolver: Resolver, host: string): Promise<string[]> {
  try {
    return await resolveTxtJoined(resolver, host);
  } catch (err) {
    // A resolver failure says nothing about the records: never turn it into "missing".
    throw new AppError("UNAVAILABLE", `The DNS lookup of ${host} failed; try again in a moment.`, { cause: err });
  }
}

async function checkSpf(resolver: Resolver, domain: string, o: CheckOptions): Promise<RecordCheck> {
  const found = (await txt(resolver, domain)).filter(isSpfRecord);
  const base = { host: domain, found, required: true };
  if (found.length === 0) {
    const expected = mergeSpf([], o.spfInclude);
    return { ...base, expected, status: "missing", message: `SPF record at ${domain} is missing` };
  }
  const expected = mergeSpf(found, o.spfInclude);
  if (found.length > 1) {
    return {
      ...base,
      expected,
      status: "wrong",
      message: `SPF record at ${domain} is wrong: there are ${found.length} SPF records and a domain may publish only one; replace them with the single merged record`,
    };
  }
  const record = found[0]!;
  if (!spfAuthorises(record, o.spfInclude)) {
    return {
      ...base,
      expected,
      status: "wrong",
      message: `SPF record at ${domain} is wrong: it does not contain ${requiredSpfTerms(o.spfInclude).join(" ")}, so the gateway is not authorised to send for the domain`,
    };
  }
  const count = await countSpfRecordLookups(resolver, record, domain);
  if (count.exceedsLimit) {
    return {
      ...base,
      expected: record,
      status: "wrong",
      message: `SPF record at ${domain} is wrong: it needs ${count.lookups} DNS lookups and receivers stop at ${SPF_LOOKUP_LIMIT}, so SPF fails`,
    };
  }
  return { ...base, expected: record, status: "verified", message: `SPF record at ${domain} is verified` };
}

async function checkDkim(
  resolver: Resolver,
  domain: string,
  selector: string,
  publicKey: string,
): Promise<RecordCheck> {
  const host = dkimHost(domain, selector);
  const all = await txt(resolver, host);
  const expected = dkimRecordValue(publicKey);
  const records = all.filter((v) => {
    const t = parseTags(v);
    return t.has("p") || /^dkim1$/i.test(t.get("v") ?? "");
  });
  const base = { host, expected, found: all, required: true };
  if (all.length === 0) return { ...base, status: "missing", message: `DKIM record at ${host} is missing` };
  if (records.length === 0) {
    return {
      ...base,
      status: "wrong",
      message: `DKIM record at ${host} is wrong: the TXT record there is not a DKIM key (no p= tag)`,
    };
  }
  if (records.length > 1) {
    return {
      ...base,
      status: "wrong",
      message: `DKIM record at ${host} is wrong: there are ${records.length} DKIM records at this name; publish only one`,
    };
  }
  const tags = parseTags(records[0]!);
  const v = tags.get("v");
  if (v !== undefined && v.toUpperCase() !== "DKIM1") {
    return { ...base, status: "wrong", message: `DKIM record at ${host} is wrong: v=${v} should be v=DKIM1` };
  }
  const k = tags.get("k");
  if (k !== undefined && k.toLowerCase() !== "rsa") {
    return { ...base, status: "wrong", message: `DKIM record at ${host} is wrong: k=${k} should be k=rsa` };
  }
  // Providers sometimes insert spaces or line breaks inside a long p= value; they are not part of the key.
  const p = (tags.get("p") ?? "").replace(/\s+/g, "");
  if (!p)
    return {
      ...base,
      status: "wrong",
      message: `DKIM record at ${host} is wrong: its key is empty (p=), which revokes it`,
    };
  if (p !== publicKey) {
    return {
      ...base,
      status: "wrong",
      message: `DKIM record at ${host} is wrong: its key does not match the key generated for this domain (found p=${p.slice(0, 12)}…${p.slice(-8)})`,
    };
  }
  return { ...base, status: "verified", message: `DKIM record at ${host} is verified` };
}

async function checkDmarc(resolver: Resolver, domain: string, o: CheckOptions): Promise<RecordCheck> {
  const host = `_dmarc.${domain}`;
  const found = (await txt(resolver, host)).filter((v) => /^v\s*=\s*dmarc1\b/i.test(v.trim()));
  const expected = `v=DMARC1; p=none${o.dmarcRua ? `; rua=mailto:${o.dmarcRua}` : ""}`;
  const base = { host, expected, found, required: false };
  if (found.length === 0) {
    return { ...base, status: "missing", message: `DMARC record at ${host} is missing (recommended, not required)` };
  }
  if (found.length > 1) {
    return {
      ...base,
      status: "wrong",
      message: `DMARC record at ${host} is wrong: there are ${found.length} DMARC records and receivers ignore DMARC when there is more than one`,
    };
  }
  const tags = parseTags(found[0]!);
  const p = tags.get("p");
  if (p === undefined || p === "") {
    return {
      ...base,
      status: "wrong",
      message: `DMARC record at ${host} is wrong: it has no p= (policy) tag, so receivers ignore it`,
    };
  }
  if (!/^(none|quarantine|reject)$/i.test(p)) {
    return {
      ...base,
      status: "wrong",
      message: `DMARC record at ${host} is wrong: p=${p} should be none, quarantine or reject`,
    };
  }
  let message = `DMARC record at ${host} is verified`;
  if (o.dmarcRua && !(tags.get("rua") ?? "").toLowerCase().includes(o.dmarcRua.toLowerCase())) {
    message += `; add rua=mailto:${o.dmarcRua} to see DMARC reports in the gateway`;
  }
  return { ...base, status: "verified", message };
}

/** Checks the three records of a domain now, without touching the database. UNAVAILABLE when DNS fails. */
export async function checkSendingDomainRecords(
  resolver: Resolver,
  d: { domain: string; selector: string; dkimPublicKey: string },
  options: CheckOptions,
  now = new Date(),
): Promise<DomainCheck> {
  const [spf, dkim, dmarc] = await Promise.all([
    checkSpf(resolver, d.domain, options),
    checkDkim(resolver, d.domain, d.selector, d.dkimPublicKey),
    checkDmarc(resolver, d.domain, options),
  ]);
  return {
    checkedAt: now.toISOString(),
    spf,
    dkim,
    dmarc,
    verified: spf.status === "verified" && dkim.status === "verified",
  };
}

export const verifySendingDomainInput = z.object({
  tenantId: z.string().min(1),
  id: z.string().min(1),
  spfInclude: z.string().min(1),
  /** INBOUND_DOMAIN: lets the DMARC check suggest the tenant's report mailbox as rua. */
  inboundDomain: z.string().optional(),
});
export type VerifySendingDomainInput = z.infer<typeof verifySendingDomainInput> & { resolver: Resolver };

/**
 * Re-queries the domain's records now and stores statuses, checkJson, verified and lastCheckedAt. Returns the
 * check. NOT_FOUND for another tenant's domain; UNAVAILABLE (nothing stored) when DNS fails.
 */
export async function verifySendingDomain(db: Tx, input: VerifySendingDomainInput): Promise<DomainCheck> {
  const { tenantId, id, spfInclude, inboundDomain } = verifySendingDomainInput.parse(input);
  const row = await db.sendingDomain.findFirst({
    where: { id, tenantId },
    select: checkRowSelect,
  });
  if (!row) throw new AppError("NOT_FOUND", "Sending domain not found.");
  return runCheck(db, row, input.resolver, spfInclude, inboundDomain);
}

const checkRowSelect = {
  id: true,
  domain: true,
  selector: true,
  dkimPublicKey: true,
  verified: true,
  checkJson: true,
  tenant: { select: { slug: true } },
} as const;

type CheckRow = {
  id: string;
  domain: string;
  selector: string;
  dkimPublicKey: string;
  verified: boolean;
  checkJson: string | null;
  tenant: { slug: string };
};

/** The drift flag of the previous check, if any (kept until the domain verifies again). */
function previousDrift(checkJson: string | null): DomainCheck["drift"] {
  if (!checkJson) return undefined;
  try {
    return (JSON.parse(checkJson) as Partial<DomainCheck>).drift;
  } catch {
    return undefined;
  }
}

async function runCheck(
  db: Tx,
  row: CheckRow,
  resolver: Resolver,
  spfInclude: string,
  inboundDomain?: string,
): Promise<DomainCheck> {
  const dmarcRua = inboundDomain ? dmarcReportAddress(row.tenant.slug, inboundDomain) : undefined;
  const now = new Date();
  const check = await checkSendingDomainRecords(resolver, row, { spfInclude, ...(dmarcRua ? { dmarcRua } : {}) }, now);
  if (row.verified && !check.verified) {
    check.drift = {
      at: now.toISOString(),
      records: [check.spf, check.dkim].filter((r) => r.status !== "verified").map((r) => r.message),
    };
  } else if (!check.verified) {
    // A drifted domain stays flagged on the list until its records verify again, however often it is re-checked.
    const before = previousDrift(row.checkJson);
    if (before) check.drift = before;
  }
  await db.sendingDomain.update({
    where: { id: row.id },
    data: {
      spfStatus: check.spf.status,
      dkimStatus: check.dkim.status,
      dmarcStatus: check.dmarc.status,
      checkJson: JSON.stringify(check),
      verified: check.verified,
      lastCheckedAt: now,
    },
  });
  return check;
}

export type RecheckResult = {
  checked: number;
  /** Domains that were verified and no longer are: the caller alerts the tenant's admins. */
  drifted: { id: string; tenantId: string; domain: string; problems: string[] }[];
  /** Domains whose check could not run (DNS unavailable); their stored state is left as it was. */
  failed: { id: string; domain: string; error: string }[];
};

/**
 * The scheduled re-check: every domain last checked before `olderThan` (or never) is verified again, oldest
 * first, at most `limit` per run. A transient DNS failure leaves the domain's stored state alone rather than
 * flipping it to unverified.
 */
export async function recheckDueDomains(
  db: Tx,
  options: { resolver: Resolver; olderThan: Date; spfInclude: string; inboundDomain?: string; limit?: number },
): Promise<RecheckResult> {
  const rows = await db.sendingDomain.findMany({
    where: { OR: [{ lastCheckedAt: null }, { lastCheckedAt: { lt: options.olderThan } }] },
    select: { ...checkRowSelect, tenantId: true },
    orderBy: { lastCheckedAt: { sort: "asc", nulls: "first" } },
    take: options.limit ?? 100,
  });
  const result: RecheckResult = { checked: 0, drifted: [], failed: [] };
  for (const row of rows) {
    try {
      const check = await runCheck(db, row, options.resolver, options.spfInclude, options.inboundDomain);
      result.checked += 1;
      if (check.drift && row.verified)
        result.drifted.push({ id: row.id, tenantId: row.tenantId, domain: row.domain, problems: check.drift.records });
    } catch (err) {
      result.failed.push({ id: row.id, domain: row.domain, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return result;
}
