/**
 * TLS-RPT aggregate reports (RFC 8460 §4) → the figures the MTA-STS page summarises (R-STS-3). One parser for
 * both ways reports arrive (a mail attachment, an HTTPS POST): gzip or plain JSON, bytes in, a result out,
 * never an exception. Real reporters bend the schema, and the parser takes them as they come:
 *   - `mx-host` is a string (RFC 8460 text) or an array (Google, Microsoft);
 *   - `contact-info` may be null or absent; `total-failure-session-count` may be absent (then the failure
 *     details are summed);
 *   - `policy-domain` may be absent (`no-policy-found` policies);
 *   - the summary's failure total can disagree with the failure details (Mail.ru): the summary counts
 *     sessions, the details count failures by type, so each is kept as given.
 */
import { gunzipSync } from "node:zlib";

/**
 * Reports larger than this (after gunzip) are refused before JSON.parse: real daily reports are kilobytes, and a
 * report mailed to the MTA is read on the SMTP accept path (issue 19 item 1: a large report must not stall the
 * MTA; JSON.parse plus JSON.stringify of 6.4 MB of failure details measured ~60 ms of event loop on a lightly
 * loaded machine, several times that under load; 1.3 MB ~11 ms). The HTTPS endpoint's limit.
 */
export const MAX_REPORT_BYTES = 1024 * 1024;
/** Policies read from one report; real ones name one to a few (one per MX policy). */
export const MAX_POLICIES = 100;
/** Failure details kept per report (all are counted in the failure types); real reports have a handful. */
export const MAX_FAILURE_DETAILS = 1_000;

export type TlsFailureDetail = {
  resultType: string;
  count: number;
  sendingMtaIp: string | null;
  receivingMxHostname: string | null;
  receivingIp: string | null;
  failureReasonCode: string | null;
};

export type TlsPolicyResult = {
  policyType: string;
  policyDomain: string | null;
  policyString: string[];
  mxHost: string[];
  successCount: number;
  failureCount: number;
  failureDetails: TlsFailureDetail[];
};

export type TlsReportData = {
  orgName: string;
  reportId: string;
  contactInfo: string | null;
  dateBegin: Date;
  dateEnd: Date;
  policies: TlsPolicyResult[];
  /** Totals over every policy. */
  successCount: number;
  failureCount: number;
  /** Failed sessions per result type (RFC 8460 §4.3), summed over the policies' failure details. */
  failureTypes: Record<string, number>;
  /** The first policy's domain (reports about one domain name it in every policy). */
  policyDomain: string | null;
  /** What was not kept of a report over the caps (MAX_POLICIES, MAX_FAILURE_DETAILS); null when nothing. */
  truncated: string | null;
};

export type ParsedTlsReport =
  { ok: true; report: TlsReportData; json: string } | { ok: false; reason: string; text: string | null };

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: Json): string | null {
  return typeof v === "string" && v.trim() ? v.trim() : null;
}

function count(v: Json): number {
  const n = typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? Math.min(Math.trunc(n), Number.MAX_SAFE_INTEGER) : 0;
}

function strings(v: Json): string[] {
  if (typeof v === "string") return v.trim() ? [v.trim()] : [];
  return Array.isArray(v)
    ? v.filter((x): x is string => typeof x === "string" && x.trim() !== "").map((x) => x.trim())
    : [];
}

function date(v: Json): Date | null {
  if (typeof v !== "string") return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Gunzips when the bytes are gzip (by magic number, whatever the declared type said). */
export function decodeReportBytes(bytes: Buffer): { ok: true; text: string } | { ok: false; reason: string } {
  let data = bytes;
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = gunzipSync(data, { maxOutputLength: MAX_REPORT_BYTES });
    } catch (err) {
      const code = (err as { code?: string }).code;
      return {
        ok: false,
        reason:
          code === "ERR_BUFFER_TOO_LARGE" ? `the report is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MB uncompressed` : "the gzip data is damaged",
      };
    }
  }
  if (data.length > MAX_REPORT_BYTES) return { ok: false, reason: `the report is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MB` };
  // A UTF-8 byte-order mark is legal in practice, though not in JSON.
  return { ok: true, text: data.toString("utf8").replace(/^\uFEFF/, "") };
}

/** Failure details kept so far, shared by the policies of one report, and every failure counted by type. */
type DetailBudget = { left: number; dropped: number; failureTypes: Record<string, number> };

function parsePolicy(p: Json, index: number, budget: DetailBudget): TlsPolicyResult | string {
  if (!isObject(p)) return `policies[${index}] is not an object`;
  const policy = isObject(p.policy) ? p.policy : null;
  if (!policy) return `policies[${index}] has no policy block`;
  const policyType = str(policy["policy-type"]);
  if (!policyType) return `policies[${index}] has no policy-type`;
  const summary = isObject(p.summary) ? p.summary : null;
  if (!summary) return `policies[${index}] has no summary`;
  const details = Array.isArray(p["failure-details"]) ? p["failure-details"] : [];
  const failureDetails: TlsFailureDetail[] = [];
  let detailSum = 0;
  for (const d of details) {
    if (!isObject(d)) continue;
    const resultType = str(d["result-type"]) ?? "unknown";
    const failed = count(d["failed-session-count"]);
    detailSum += failed;
    budget.failureTypes[resultType] = (budget.failureTypes[resultType] ?? 0) + failed;
    if (budget.left <= 0) {
      budget.dropped++;
      continue;
    }
    budget.left--;
    failureDetails.push({
      resultType,
      count: failed,
      sendingMtaIp: str(d["sending-mta-ip"]),
      receivingMxHostname: str(d["receiving-mx-hostname"]),
      receivingIp: str(d["receiving-ip"]),
      failureReasonCode: str(d["failure-reason-code"]),
    });
  }
  return {
    policyType,
    policyDomain: str(policy["policy-domain"])?.toLowerCase().replace(/\.$/, "") ?? null,
    policyString: strings(policy["policy-string"]),
    mxHost: strings(policy["mx-host"]),
    successCount: count(summary["total-successful-session-count"]),
    // Required by RFC 8460; when a reporter leaves it out, its failure details are the best count there is.
    failureCount:
      summary["total-failure-session-count"] === undefined
        ? detailSum
        : count(summary["total-failure-session-count"]),
    failureDetails,
  };
}

/** Reads one report from its JSON text. */
export function parseTlsReportJson(text: string): ParsedTlsReport {
  let doc: Json;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not JSON (${err instanceof Error ? err.message : "syntax error"})`, text };
  }
  if (!isObject(doc)) return { ok: false, reason: "the JSON is not a report object", text };
  const orgName = str(doc["organization-name"]);
  if (!orgName) return { ok: false, reason: "organization-name is missing", text };
  const reportId = str(doc["report-id"]);
  if (!reportId) return { ok: false, reason: "report-id is missing", text };
  const range = isObject(doc["date-range"]) ? doc["date-range"] : null;
  const dateBegin = range ? date(range["start-datetime"]) : null;
  const dateEnd = range ? date(range["end-datetime"]) : null;
  if (!dateBegin || !dateEnd) return { ok: false, reason: "date-range is missing or not RFC 3339 dates", text };
  if (!Array.isArray(doc.policies)) return { ok: false, reason: "policies is missing", text };

  const policies: TlsPolicyResult[] = [];
  const budget: DetailBudget = { left: MAX_FAILURE_DETAILS, dropped: 0, failureTypes: {} };
  for (const [i, p] of doc.policies.slice(0, MAX_POLICIES).entries()) {
    const parsed = parsePolicy(p, i, budget);
    if (typeof parsed === "string") return { ok: false, reason: parsed, text };
    policies.push(parsed);
  }
  const failureTypes = budget.failureTypes;
  const cut = [
    doc.policies.length > MAX_POLICIES ? `only the first ${MAX_POLICIES} of its ${doc.policies.length} policies were read` : "",
    budget.dropped ? `${budget.dropped} failure details beyond the first ${MAX_FAILURE_DETAILS} are counted but not kept` : "",
  ].filter(Boolean);
  return {
    ok: true,
    json: text,
    report: {
      orgName,
      reportId,
      contactInfo: str(doc["contact-info"]),
      dateBegin,
      dateEnd,
      policies,
      successCount: policies.reduce((n, p) => n + p.successCount, 0),
      failureCount: policies.reduce((n, p) => n + p.failureCount, 0),
      failureTypes,
      policyDomain: policies.find((p) => p.policyDomain)?.policyDomain ?? null,
      truncated: cut.length ? `The report is over the caps: ${cut.join("; ")}.` : null,
    },
  };
}

/** Reads one report from its bytes: gzip or plain JSON. */
export function parseTlsReport(bytes: Buffer): ParsedTlsReport {
  const decoded = decodeReportBytes(bytes);
  if (!decoded.ok) return { ok: false, reason: decoded.reason, text: null };
  return parseTlsReportJson(decoded.text);
}
