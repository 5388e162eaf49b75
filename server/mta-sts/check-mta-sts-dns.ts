/**
 * Checks that the MTA-STS and TLS-RPT records a tenant's page shows are what DNS answers (R-STS-1). The records
 * live in the gateway's own zone; this tells the admin (and the operator) whether senders will see the policy,
 * and above all whether `_mta-sts` carries the current id: after a mode change, senders keep their cached
 * policy until the id they look up changes.
 */
import type { Db } from "../db/client";
import { resolveTxtJoined, type Resolver } from "../dns/resolver";
import { getMtaStsSettings, type MtaStsConfig } from "./manage-mta-sts";

export type DnsRecordStatus = "published" | "outdated" | "different" | "missing" | "error";

export type DnsRecordCheck = {
  name: string;
  expected: string;
  /** The TXT values found at the name that are records of this kind (v=STSv1 / v=TLSRPTv1). */
  found: string[];
  status: DnsRecordStatus;
  /** What the status means for the admin, in plain words. */
  note: string;
};

export type MtaStsDnsCheck = { checkedAt: Date; records: DnsRecordCheck[] };

/** `v=STSv1; id=abc` → { v: "STSv1", id: "abc" } (RFC 8461 §3.1 tag list; names compared lower-case). */
function tags(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of value.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return out;
}

function ruaList(value: string): string[] {
  return (tags(value).get("rua") ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
    .sort();
}

async function lookUp(resolver: Resolver, name: string): Promise<{ values: string[] } | { error: string }> {
  try {
    return { values: await resolveTxtJoined(resolver, name) };
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err instanceof Error ? err.message : "unknown error");
    return { error: code };
  }
}

type LookUpResult = Awaited<ReturnType<typeof lookUp>>;
type Verdict = Pick<DnsRecordCheck, "status" | "note">;

/**
 * The steps both records share: a failed look-up, then the TXT strings tagged `v=<version>` — none is missing, more
 * than one is ignored by senders — and the one record left is judged by `judge`.
 */
function checkTaggedRecord(
  name: string,
  expected: string,
  result: LookUpResult,
  rule: { version: string; missingNote: string; judge: (record: string) => Verdict },
): DnsRecordCheck {
  if ("error" in result) {
    return {
      name,
      expected,
      found: [],
      status: "error",
      note: `The DNS look-up failed (${result.error}). Try again in a moment.`,
    };
  }
  const tag = new RegExp(`^v\\s*=\\s*${rule.version}\\b`, "i");
  const found = result.values.filter((v) => tag.test(v.trim()));
  if (found.length === 0) return { name, expected, found, status: "missing", note: rule.missingNote };
  if (found.length > 1) {
    return {
      name,
      expected,
      found,
      status: "different",
      note: `More than one v=${rule.version} record: senders ignore them all.`,
    };
  }
  return { name, expected, found, ...rule.judge(found[0]!) };
}

function checkSts(name: string, expected: string, result: LookUpResult): DnsRecordCheck {
  return checkTaggedRecord(name, expected, result, {
    version: "STSv1",
    missingNote: "Not published: senders do not look for the policy.",
    judge: (record) =>
      tags(record).get("id") === tags(expected).get("id")
        ? { status: "published", note: "Published with the current policy id." }
        : {
            status: "outdated",
            note: "Published with an older policy id: senders keep the policy they cached until the id changes.",
          },
  });
}

function checkTlsRpt(name: string, expected: string, result: LookUpResult): DnsRecordCheck {
  return checkTaggedRecord(name, expected, result, {
    version: "TLSRPTv1",
    missingNote: "Not published: senders send no TLS reports.",
    judge: (record) =>
      ruaList(expected).join(",") === ruaList(record).join(",")
        ? { status: "published", note: "Published: reports come to the gateway." }
        : {
            status: "different",
            note: "Published with other report addresses: reports do not all reach this page.",
          },
  });
}

/** Looks up both records the MTA-STS page shows and compares them with what they should be. */
export async function checkMtaStsDns(
  db: Db,
  tenantId: string,
  config: MtaStsConfig & { resolver: Resolver; now?: Date },
): Promise<MtaStsDnsCheck> {
  const settings = await getMtaStsSettings(db, tenantId, config);
  const [sts, tlsRpt] = settings.records;
  const [stsResult, tlsResult] = await Promise.all([
    lookUp(config.resolver, sts!.name),
    lookUp(config.resolver, tlsRpt!.name),
  ]);
  return {
    checkedAt: config.now ?? new Date(),
    records: [checkSts(sts!.name, sts!.value, stsResult), checkTlsRpt(tlsRpt!.name, tlsRpt!.value, tlsResult)],
  };
}
