/**
 * The exact DNS records an admin publishes for a sending domain (R-DOM-1, R-DOM-2): SPF (or the one merged SPF
 * record when the domain already has one), DKIM at `<selector>._domainkey.<domain>`, DMARC at `_dmarc.<domain>`.
 */
import { resolveTxtJoined, type Resolver } from "../dns/resolver";
import {
  countSpfRecordLookups,
  isSpfRecord,
  mergeSpf,
  SPF_LOOKUP_LIMIT,
  spfAuthorises,
  type SpfLookupCount,
} from "./spf";

/** DNS providers take a TXT value as character-strings of at most 255 octets each (RFC 1035 §3.3). */
export const TXT_CHUNK = 255;

export type RecordKind = "SPF" | "DKIM" | "DMARC";

export type RecordToPublish = {
  kind: RecordKind;
  /** Fully-qualified name, e.g. `om202605._domainkey.example.com`. */
  host: string;
  /** The same name relative to the domain (`@`, `om202605._domainkey`, `_dmarc`), as most DNS panels ask for it. */
  relativeHost: string;
  type: "TXT";
  value: string;
  /** `value` split into ≤255-character strings, in order, for providers that want them separately. */
  chunks: string[];
  /** DMARC is recommended, not required for verification. */
  required: boolean;
  /** Why this value differs from the plain one, e.g. "merged with your existing SPF record". */
  note?: string;
};

export type RecordsToPublish = {
  spf: RecordToPublish;
  dkim: RecordToPublish;
  dmarc: RecordToPublish;
  /** Plain-words warnings for the page (several SPF records, more than 10 SPF look-ups, include loops). */
  warnings: string[];
  /** Look-up count of the SPF record to publish, when a resolver was given. */
  spfLookups?: SpfLookupCount;
};

export type SendingDomainKeys = { domain: string; selector: string; dkimPublicKey: string };

export type RecordsOptions = {
  /** SPF_INCLUDE from the environment. */
  spfInclude: string;
  /** The tenant's DMARC-report mailbox (server/mail/addresses.ts `dmarcReportAddress`). */
  dmarcRua: string;
  /** The domain's current SPF record text(s); looked up through `resolver` when omitted and a resolver is given. */
  existingSpf?: string[];
  /** Used to read the current SPF record and to count the merged record's look-ups, nested includes included. */
  resolver?: Resolver;
};

/** Splits a TXT value into ≤255-character strings. */
export function chunkTxt(value: string, size = TXT_CHUNK): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += size) out.push(value.slice(i, i + size));
  return out.length ? out : [""];
}

/** The DKIM TXT value for a public key (base64 SubjectPublicKeyInfo). */
export function dkimRecordValue(publicKeyBase64: string): string {
  return `v=DKIM1; k=rsa; p=${publicKeyBase64}`;
}

/** The host of the DKIM record for `selector` on `domain`. */
export function dkimHost(domain: string, selector: string): string {
  return `${selector}._domainkey.${domain}`;
}

/** Builds the records to publish, merging an existing SPF record and counting its look-ups when it can. */
export async function recordsToPublish(d: SendingDomainKeys, options: RecordsOptions): Promise<RecordsToPublish> {
  const warnings: string[] = [];
  let existing = options.existingSpf;
  if (existing === undefined && options.resolver) {
    existing = (await resolveTxtJoined(options.resolver, d.domain)).filter(isSpfRecord);
  }
  existing = (existing ?? []).filter(isSpfRecord);

  const spfValue = mergeSpf(existing, options.spfInclude);
  let note: string | undefined;
  if (existing.length === 1 && spfAuthorises(existing[0]!, options.spfInclude)) {
    note = "Your existing SPF record already authorises the gateway; keep it.";
  } else if (existing.length >= 1) {
    note = "Your domain already publishes SPF: replace it with this one merged record (a domain may have only one).";
  }
  if (existing.length > 1) {
    warnings.push(
      `${d.domain} publishes ${existing.length} SPF records; receivers treat that as an error. Delete all of them and publish only the merged record.`,
    );
  }

  let spfLookups: SpfLookupCount | undefined;
  if (options.resolver) {
    spfLookups = await countSpfRecordLookups(options.resolver, spfValue, d.domain);
    if (spfLookups.exceedsLimit) {
      warnings.push(
        `The SPF record needs ${spfLookups.lookups} DNS lookups (includes counted with what they include); receivers stop at ${SPF_LOOKUP_LIMIT} and fail SPF. Remove includes you no longer use or replace some with ip4:/ip6: ranges.`,
      );
    }
    for (const loop of spfLookups.loops) warnings.push(`The SPF include chain loops back to ${loop}.`);
  }

  const dkimValue = dkimRecordValue(d.dkimPublicKey);
  const dmarcValue = `v=DMARC1; p=none; rua=mailto:${options.dmarcRua}`;
  const rec = (kind: RecordKind, host: string, value: string, required: boolean, n?: string): RecordToPublish => ({
    kind,
    host,
    relativeHost: host === d.domain ? "@" : host.slice(0, -(d.domain.length + 1)),
    type: "TXT",
    value,
    chunks: chunkTxt(value),
    required,
    ...(n ? { note: n } : {}),
  });
  return {
    spf: rec("SPF", d.domain, spfValue, true, note),
    dkim: rec("DKIM", dkimHost(d.domain, d.selector), dkimValue, true),
    dmarc: rec(
      "DMARC",
      `_dmarc.${d.domain}`,
      dmarcValue,
      false,
      "Recommended. p=none only monitors; reports arrive in the gateway. Move to quarantine/reject once they look clean.",
    ),
    warnings,
    ...(spfLookups ? { spfLookups } : {}),
  };
}
