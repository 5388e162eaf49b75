/**
 * R-X-1: an RFC 7489 (and DMARCbis, RFC 9990) aggregate report's XML into plain values, with the alignment of
 * each record computed (./alignment.ts).
 *
 * Real reporters send defective XML: an unclosed `<xs:schema>` wrapper (ikea.com), an unescaped `<` in a value,
 * invalid UTF-8, upper-case `PASS`, empty elements, several `auth_results` entries, the DMARCbis namespace. So
 * the XML is read with htmlparser2 in XML mode, which recovers from unbalanced tags the way a person reading the
 * file would (a closing tag closes everything opened inside it), and namespace prefixes are dropped. Values are
 * trimmed and enumerations lower-cased. What cannot be recovered — no `<feedback>`, no domain — is an error with
 * a reason a person can read; a record without a usable source IP or count is skipped and named in `problems`.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { isIP } from "node:net";
import { Parser } from "htmlparser2";
import { domainOf } from "../mail/addresses";
import { isDkimAligned, isSpfAligned, type AlignmentMode } from "./alignment";

export type DkimAuthResult = { domain: string; selector: string | null; result: string; humanResult: string | null };
export type SpfAuthResult = { domain: string; scope: string | null; result: string; humanResult: string | null };

export type PublishedPolicy = {
  domain: string;
  adkim: AlignmentMode;
  aspf: AlignmentMode;
  p: string | null;
  sp: string | null;
  np: string | null;
  pct: number | null;
  fo: string | null;
  testing: string | null;
  discoveryMethod: string | null;
};

export type AggregateRecord = {
  sourceIp: string;
  count: number;
  /** policy_evaluated, lower-cased; null when the reporter left it out. */
  disposition: string | null;
  /** The DMARC verdict per mechanism: policy_evaluated when present, else derived from the alignment below. */
  dkim: "pass" | "fail";
  spf: "pass" | "fail";
  /** A passing DKIM signature (SPF check) whose domain aligns with header_from under adkim (aspf). */
  dkimAligned: boolean;
  spfAligned: boolean;
  dmarcPass: boolean;
  headerFrom: string | null;
  envelopeFrom: string | null;
  envelopeTo: string | null;
  reasons: { type: string; comment: string | null }[];
  authResults: { dkim: DkimAuthResult[]; spf: SpfAuthResult[] };
};

export type AggregateReport = {
  version: string | null;
  orgName: string;
  email: string | null;
  extraContactInfo: string | null;
  reportId: string;
  dateBegin: Date | null;
  dateEnd: Date | null;
  generator: string | null;
  errors: string[];
  policy: PublishedPolicy;
  records: AggregateRecord[];
  /** What was skipped or repaired; empty for a clean report. */
  problems: string[];
  /** More records than MAX_REPORT_RECORDS: only the first ones were read (named in `problems` too). */
  truncated: boolean;
};

export class ReportParseError extends Error {
  /** What we could read before giving up, so a malformed report is still listed under its reporter. */
  constructor(
    message: string,
    readonly partial: { orgName?: string; email?: string | null; reportId?: string; domain?: string } = {},
  ) {
    super(message);
  }
}

type El = { name: string; text: string; children: El[] };

/**
 * Most records read from one report (issue 19 item 1). Real aggregate reports carry a handful to a few thousand
 * rows; a file with more is read up to here, kept with the records read, and says so (`truncated`). Reading stops
 * there, so a 150,000-record file costs what a 5,000-record one does.
 */
export const MAX_REPORT_RECORDS = 5_000;
/** The largest message count kept, per record and per sum of records: where the database's integer column ends. */
export const MAX_COUNT = 2_000_000_000;
/**
 * XML fed to the parser at a time by the chunked reader. 128 KB slices held the event loop about 100 ms each on the
 * loaded test machine (the report bomb); a quarter of that keeps a small mail's turns short.
 */
const CHUNK_CHARS = 32 * 1024;
/** Records turned into values at a time by the chunked reader. */
const RECORDS_PER_SLICE = 250;

export type ReadLimits = { maxRecords?: number };

/**
 * Element tree builder, tolerant of unbalanced tags; names lower-cased without namespace prefix. Counts closed
 * `<record>` elements and marks `full` once more than maxRecords have been seen (that last one is dropped).
 */
function treeBuilder(maxRecords: number) {
  const root: El = { name: "#root", text: "", children: [] };
  const stack: El[] = [root];
  const state = { root, records: 0, full: false };
  const parser = new Parser(
    {
      onopentag(name) {
        if (state.full) return;
        const el: El = { name: localName(name), text: "", children: [] };
        stack[stack.length - 1]!.children.push(el);
        stack.push(el);
      },
      ontext(text) {
        if (!state.full) stack[stack.length - 1]!.text += text;
      },
      onclosetag() {
        if (state.full || stack.length <= 1) return;
        const el = stack.pop()!;
        if (el.name === "record" && ++state.records > maxRecords) {
          state.full = true;
          stack[stack.length - 1]!.children.pop();
        }
      },
    },
    { xmlMode: true, decodeEntities: true, recognizeCDATA: true },
  );
  return { parser, state };
}

function readTree(xml: string, limits: ReadLimits): { root: El; truncated: boolean } {
  const { parser, state } = treeBuilder(limits.maxRecords ?? MAX_REPORT_RECORDS);
  parser.write(xml);
  parser.end();
  return { root: state.root, truncated: state.full };
}

/** readTree a slice at a time, yielding to the event loop between slices, and stopping at the record cap. */
async function readTreeInChunks(xml: string, limits: ReadLimits): Promise<{ root: El; truncated: boolean }> {
  const { parser, state } = treeBuilder(limits.maxRecords ?? MAX_REPORT_RECORDS);
  for (let at = 0; at < xml.length && !state.full; at += CHUNK_CHARS) {
    parser.write(xml.slice(at, at + CHUNK_CHARS));
    await nextTurn();
  }
  parser.end();
  return { root: state.root, truncated: state.full };
}

function localName(name: string): string {
  const colon = name.lastIndexOf(":");
  return (colon >= 0 ? name.slice(colon + 1) : name).toLowerCase();
}

function find(el: El, name: string): El | null {
  for (const c of el.children) {
    if (c.name === name) return c;
    const inner = find(c, name);
    if (inner) return inner;
  }
  return null;
}

function child(el: El | null | undefined, name: string): El | null {
  return el?.children.find((c) => c.name === name) ?? null;
}

function childrenOf(el: El | null | undefined, name: string): El[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** Trimmed text of a child; null when missing or empty. */
function text(el: El | null | undefined, name: string, max = 1000): string | null {
  const value = child(el, name)?.text.replace(/\s+/g, " ").trim();
  return value ? value.slice(0, max) : null;
}

function word(el: El | null | undefined, name: string): string | null {
  return text(el, name, 64)?.toLowerCase() ?? null;
}

/** A domain as a report gives it; some reporters write an address or a trailing dot where a domain belongs. */
function reportedDomain(value: string | null): string | null {
  const d = value ? domainOf(value) : "";
  return d && !/\s/.test(d) ? d.slice(0, 253) : null;
}

function unixDate(value: string | null): Date | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) {
    const seconds = Math.floor(Number(value));
    const d = new Date(seconds * 1000);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

function mode(value: string | null): AlignmentMode {
  return value === "s" || value === "strict" ? "s" : "r";
}

function passFail(value: string | null): "pass" | "fail" | null {
  if (value === "pass") return "pass";
  if (value === null) return null;
  return "fail";
}

/**
 * Parses one aggregate report. Throws ReportParseError (with what was read so far) when the XML is not a DMARC
 * aggregate report at all; recovers from everything else.
 */
export function parseAggregateReport(xml: string, limits: ReadLimits = {}): AggregateReport {
  if (!xml.trim()) throw new ReportParseError("The report is empty.");
  const { root, truncated } = readTree(xml, limits);
  const head = headOfTree(root);
  const records: AggregateRecord[] = [];
  for (const [index, record] of childrenOf(head.feedback, "record").entries()) {
    const read = readRecord(record, index, head.policy.domain, head.policy, head.problems);
    if (read) records.push(read);
  }
  return reportOf(head, records, truncated, limits);
}

/**
 * parseAggregateReport for large input: the XML is read a slice at a time with the event loop free between
 * slices, so a report of many megabytes never stalls the SMTP sessions or web requests of the same process.
 */
export async function parseAggregateReportInChunks(xml: string, limits: ReadLimits = {}): Promise<AggregateReport> {
  if (!/\S/.test(xml)) throw new ReportParseError("The report is empty.");
  const { root, truncated } = await readTreeInChunks(xml, limits);
  const head = headOfTree(root);
  const records: AggregateRecord[] = [];
  // 5,000 records are hundreds of milliseconds on a busy machine: a slice at a time, like the XML.
  for (const [index, record] of childrenOf(head.feedback, "record").entries()) {
    if (index > 0 && index % RECORDS_PER_SLICE === 0) await nextTurn();
    const read = readRecord(record, index, head.policy.domain, head.policy, head.problems);
    if (read) records.push(read);
  }
  return reportOf(head, records, truncated, limits);
}

/** One <record> into a record; null (with the reason in `problems`) when it has no usable source IP or count. */
function readRecord(record: El, index: number, domain: string, policy: PublishedPolicy, problems: string[]): AggregateRecord | null {
  const row = child(record, "row");
  const ip = text(row, "source_ip", 64);
  const countText = text(row, "count", 20);
  const sourceIp = ip && isIP(ip) ? ip.toLowerCase() : null;
  const count = countText && /^\d+$/.test(countText) ? Number(countText) : null;
  if (!sourceIp || count === null || !Number.isSafeInteger(count) || count > MAX_COUNT) {
    problems.push(`record ${index + 1} skipped: ${!sourceIp ? `source_ip ${JSON.stringify(ip ?? "")} is not an IP address` : `count ${JSON.stringify(countText ?? "")} is not a number`}`);
    return null;
  }
  const evaluated = child(row, "policy_evaluated");
  const identifiers = child(record, "identifiers");
  const auth = child(record, "auth_results");
  const headerFrom = reportedDomain(text(identifiers, "header_from")) ?? null;
  const envelopeFrom = reportedDomain(text(identifiers, "envelope_from"));
  const dkimResults: DkimAuthResult[] = childrenOf(auth, "dkim").map((d) => ({
    domain: reportedDomain(text(d, "domain")) ?? "",
    selector: text(d, "selector", 255),
    result: word(d, "result") ?? "none",
    humanResult: text(d, "human_result", 500),
  }));
  const spfResults: SpfAuthResult[] = childrenOf(auth, "spf").map((s) => ({
    domain: reportedDomain(text(s, "domain")) ?? "",
    scope: word(s, "scope"),
    result: word(s, "result") ?? "none",
    humanResult: text(s, "human_result", 500),
  }));
  // Without header_from (it is required, but not always sent) the published domain is the From domain.
  const from = headerFrom ?? domain;
  const dkimAligned = isDkimAligned(from, dkimResults, policy.adkim);
  const spfAligned = isSpfAligned(from, spfResults, policy.aspf);
  const dkim = passFail(word(evaluated, "dkim")) ?? (dkimAligned ? "pass" : "fail");
  const spf = passFail(word(evaluated, "spf")) ?? (spfAligned ? "pass" : "fail");
  return {
    sourceIp,
    count,
    disposition: word(evaluated, "disposition"),
    dkim,
    spf,
    dkimAligned,
    spfAligned,
    dmarcPass: dkim === "pass" || spf === "pass",
    headerFrom,
    envelopeFrom,
    envelopeTo: reportedDomain(text(identifiers, "envelope_to")),
    reasons: childrenOf(evaluated, "reason").map((r) => ({ type: word(r, "type") ?? "other", comment: text(r, "comment", 500) })),
    authResults: { dkim: dkimResults, spf: spfResults },
  };
}

type Head = { feedback: El; meta: El; dateRange: El | null; orgName: string; email: string | null; reportId: string; policy: PublishedPolicy; problems: string[] };

/** What a report says besides its records; throws ReportParseError when it is no aggregate report. */
function headOfTree(root: El): Head {
  const feedback = root.name === "feedback" ? root : find(root, "feedback");
  if (!feedback) {
    throw new ReportParseError("There is no <feedback> element: this is not a DMARC aggregate report.");
  }
  const problems: string[] = [];
  const meta = child(feedback, "report_metadata");
  const published = child(feedback, "policy_published");
  const email = text(meta, "email", 320);
  const rawReportId = text(meta, "report_id", 500);
  const orgName = text(meta, "org_name", 200) ?? reportedDomain(email) ?? "unknown reporter";
  if (!text(meta, "org_name")) problems.push("org_name is empty; the reporter is named after its email address");
  const domain = reportedDomain(text(published, "domain"));
  const partial = { orgName, email, ...(rawReportId ? { reportId: rawReportId } : {}), ...(domain ? { domain } : {}) };
  if (!meta) throw new ReportParseError("The report has no <report_metadata>.", partial);
  if (!rawReportId) throw new ReportParseError("The report has no report_id.", partial);
  if (!published || !domain) throw new ReportParseError("The report names no domain (policy_published/domain is missing).", partial);

  const dateRange = child(meta, "date_range");
  const pct = text(published, "pct");
  const policy: PublishedPolicy = {
    domain,
    adkim: mode(word(published, "adkim")),
    aspf: mode(word(published, "aspf")),
    p: word(published, "p"),
    sp: word(published, "sp"),
    np: word(published, "np"),
    pct: pct && /^\d{1,3}$/.test(pct) ? Number(pct) : null,
    fo: text(published, "fo", 64),
    testing: word(published, "testing"),
    discoveryMethod: word(published, "discovery_method"),
  };

  return { feedback, meta, dateRange, orgName, email, reportId: rawReportId, policy, problems };
}

function reportOf(head: Head, records: AggregateRecord[], truncated: boolean, limits: ReadLimits): AggregateReport {
  const { feedback, meta, dateRange, orgName, email, policy, problems } = head;
  if (truncated) {
    const max = limits.maxRecords ?? MAX_REPORT_RECORDS;
    problems.unshift(`The report has more than ${max.toLocaleString("en")} records; only the first ${max.toLocaleString("en")} were read and the rest are not counted.`);
  }
  return {
    truncated,
    version: text(feedback, "version", 20),
    orgName,
    email,
    extraContactInfo: text(meta, "extra_contact_info", 500),
    reportId: head.reportId,
    dateBegin: unixDate(text(dateRange, "begin", 40)),
    dateEnd: unixDate(text(dateRange, "end", 40)),
    generator: text(meta, "generator", 200),
    errors: childrenOf(meta, "error").map((e) => e.text.trim()).filter(Boolean),
    policy,
    records,
    problems,
  };
}
