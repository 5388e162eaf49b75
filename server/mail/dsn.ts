/**
 * Delivery status notifications (R-IN-8, R-OUT-4): a bounce to one of our VERP addresses says which
 * outbound message failed, for whom and why. RFC 3464 reports (`multipart/report; report-type=
 * delivery-status`) are read field by field; the non-standard notices real MTAs still send (qmail, Exim and
 * Gmail plain-text bounces, Exchange NDRs without a report part) are read heuristically from the
 * human-readable text: X-Failed-Recipients, the addresses listed before the returned copy, and the enhanced
 * status / SMTP reply codes next to them.
 *
 * `permanent` is our hard/soft rule, on purpose different from sisimai's "hardbounce" (which is only for
 * unknown users and hosts): it is true when the reporting MTA has given up on that recipient (action
 * `failed`, or a 5.x.x status when no action is given), whatever the reason — for R-OUT-4 the message is
 * bounced. `delayed`, `delivered`, `relayed` and `expanded` are never permanent.
 */
import { simpleParser } from "mailparser";
import type { ParsedMessage } from "./parse-message.ts";

export type DsnAction = "failed" | "delayed" | "delivered" | "relayed" | "expanded";

export type DsnRecipient = {
  action: DsnAction;
  /** The recipient address (type prefix such as `rfc822;` removed). */
  finalRecipient: string;
  originalRecipient: string | null;
  /** RFC 3463 enhanced status code, e.g. `5.1.1`. */
  status: string;
  /** The SMTP reply code when the report carries one, e.g. `550`. */
  replyCode: string | null;
  diagnosticCode: string | null;
  remoteMta: string | null;
  /** A spam score the destination quoted in its reason (e.g. "spam score 7.5", "SCL=9"), when present. */
  spamScore?: number;
  permanent: boolean;
};

export type DsnReport = {
  /** `rfc3464` when a delivery-status part was read, `heuristic` for a plain-text bounce. */
  format: "rfc3464" | "heuristic";
  reportingMta: string | null;
  /** Message-Id of the returned message (from its returned headers), without angle brackets. */
  originalMessageId: string | null;
  recipients: DsnRecipient[];
};

type Source = {
  headers: [string, string][];
  subject: string;
  text: string;
  deliveryStatus: string | null;
  returnedHeaders: string | null;
};

const ACTIONS = new Set<DsnAction>(["failed", "delayed", "delivered", "relayed", "expanded"]);
/** Non-standard action words seen in the wild. */
const ACTION_ALIASES: Record<string, DsnAction> = {
  deliverable: "delivered",
  success: "delivered",
  failure: "failed",
  fail: "failed",
  delay: "delayed",
};
const ENHANCED = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
const REPLY = /(?:^|[\s:([])([245][0-9][0-9])(?=[\s-])/;
const ADDRESS = /[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+/i;
const MAX_TEXT = 256 * 1024;

const BOUNCE_SUBJECT =
  /undeliver|undelivered|delivery status notification|delivery (?:has )?fail|delivery failure|delivery problem|returned mail|failure notice|mail delivery failed|non[- ]?delivery|could not be delivered|not be delivered|rejected|delivery notification|mail system error|returned to sender/i;
const DELAY_TEXT =
  /\bdelay(?:ed)?\b|will (?:continue|keep) trying|not yet been delivered|retry(?:ing)? (?:for|until)|warning: message/i;
const ORIGINAL_SEPARATOR =
  /^(?:-{2,}.*(?:below this line|copy of the message|original message|returned message|message headers|header of the original)|original message headers:|-{2,}\s*original message\s*-{2,}|\s*-{5,}\s*$)/i;

function stripType(v: string): string {
  const i = v.indexOf(";");
  return (i >= 0 ? v.slice(i + 1) : v).trim().replace(/^<|>$/g, "").trim();
}

function bareId(v: string | null | undefined): string | null {
  if (!v) return null;
  const m = /<([^<>\s]+)>/.exec(v);
  return m ? m[1]! : v.trim() || null;
}

/** RFC 822-style field blocks separated by blank lines, folded lines joined. */
function fieldBlocks(text: string): [string, string][][] {
  const blocks: [string, string][][] = [];
  let cur: [string, string][] = [];
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    if (!line.trim()) {
      if (cur.length) blocks.push(cur);
      cur = [];
      continue;
    }
    if (/^[ \t]/.test(line) && cur.length) {
      cur[cur.length - 1]![1] += ` ${line.trim()}`;
      continue;
    }
    const c = line.indexOf(":");
    if (c > 0 && /^[A-Za-z][A-Za-z0-9-]*$/.test(line.slice(0, c).trim())) {
      const name = line.slice(0, c).trim().toLowerCase();
      // Some MTAs omit the blank line between blocks: a recipient field that cannot belong to the current
      // block (a second Final-/Original-Recipient, or any after the per-message fields) starts a new one.
      const has = (n: string) => cur.some(([k]) => k === n);
      const startsNew =
        (name === "final-recipient" && (has("final-recipient") || has("reporting-mta"))) ||
        (name === "original-recipient" &&
          (has("original-recipient") || has("reporting-mta") || (has("final-recipient") && has("action"))));
      if (startsNew && cur.length) {
        blocks.push(cur);
        cur = [];
      }
      cur.push([name, line.slice(c + 1).trim()]);
    }
  }
  if (cur.length) blocks.push(cur);
  return blocks;
}

function spamScoreOf(text: string | null): number | undefined {
  if (!text || !/spam|\bscl\b/i.test(text)) return undefined;
  const m = /\b(?:spam[ _-]?score|score|scl)\s*(?:[=:]|is|of)?\s*\(?\s*(-?\d{1,3}(?:\.\d{1,3})?)/i.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Prefer a specific code quoted in the diagnostic over a generic x.0.0 Status (what MTAs often put). */
function refineStatus(status: string, diagnostic: string | null): string {
  const d = diagnostic ? ENHANCED.exec(diagnostic) : null;
  if (d && /\.0\.0$/.test(status) && d[1] === status[0]) return `${d[1]}.${d[2]}.${d[3]}`;
  return status;
}

function permanentFor(action: DsnAction): boolean {
  return action === "failed";
}

function recipientFrom(fields: [string, string][]): DsnRecipient | null {
  const get = (n: string) => fields.find(([k]) => k === n)?.[1] ?? null;
  const finalRaw = get("final-recipient") ?? get("original-recipient");
  if (!finalRaw) return null;
  const diagnostic = get("diagnostic-code");
  const diagText = diagnostic ? stripType(diagnostic) : null;
  let status = ENHANCED.exec(get("status") ?? "")?.[0] ?? "";
  const actionRaw = (get("action") ?? "").toLowerCase().trim().split(/\s/)[0] ?? "";
  let action: DsnAction;
  if (ACTIONS.has(actionRaw as DsnAction)) action = actionRaw as DsnAction;
  else if (ACTION_ALIASES[actionRaw]) action = ACTION_ALIASES[actionRaw];
  else action = status.startsWith("4") ? "delayed" : status.startsWith("2") ? "delivered" : "failed";
  if (!status)
    status =
      ENHANCED.exec(diagText ?? "")?.[0] ?? (action === "failed" ? "5.0.0" : action === "delayed" ? "4.0.0" : "2.0.0");
  status = refineStatus(status, diagText);
  const replyCode = diagText ? (REPLY.exec(` ${diagText} `)?.[1] ?? null) : null;
  const orig = get("original-recipient");
  const score = spamScoreOf(diagText);
  return {
    action,
    finalRecipient: stripType(finalRaw).toLowerCase(),
    originalRecipient: orig ? stripType(orig).toLowerCase() : null,
    status,
    replyCode,
    diagnosticCode: diagText,
    remoteMta: get("remote-mta") ? stripType(get("remote-mta")!) : null,
    ...(score !== undefined ? { spamScore: score } : {}),
    permanent: permanentFor(action),
  };
}

function parseRfc3464(deliveryStatus: string): { reportingMta: string | null; recipients: DsnRecipient[] } {
  const blocks = fieldBlocks(deliveryStatus.slice(0, MAX_TEXT));
  let reportingMta: string | null = null;
  const recipients: DsnRecipient[] = [];
  for (const b of blocks) {
    const rm = b.find(([k]) => k === "reporting-mta")?.[1];
    if (rm && !reportingMta) reportingMta = stripType(rm);
    const r = recipientFrom(b);
    if (r) recipients.push(r);
  }
  return { reportingMta, recipients };
}

function headerValue(headers: [string, string][], name: string): string[] {
  return headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
}

function looksLikeBounce(src: Source): boolean {
  if (headerValue(src.headers, "x-failed-recipients").length) return true;
  const from = headerValue(src.headers, "from").join(" ");
  const daemon = /mailer-daemon|postmaster|mail delivery|mail administrator/i.test(from);
  const returnPath = headerValue(src.headers, "return-path");
  const nullSender = returnPath.some((v) => /^<\s*>$/.test(v.trim()));
  return (daemon || nullSender) && BOUNCE_SUBJECT.test(src.subject);
}

/** The bounce's own explanation: the text before the returned copy of the original message. */
function explanation(text: string): string[] {
  const lines = text.slice(0, MAX_TEXT).replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (i > 3 && ORIGINAL_SEPARATOR.test(line.trim())) break;
    if (i > 3 && /^(?:return-path|received|dkim-signature|message-id):/i.test(line) && !lines[i - 1]?.trim()) break;
    out.push(line);
  }
  return out;
}

function parseHeuristic(src: Source): DsnRecipient[] {
  const lines = explanation(src.text);
  const own = new Set(
    [...headerValue(src.headers, "from"), ...headerValue(src.headers, "to")]
      .map((v) => ADDRESS.exec(v)?.[0]?.toLowerCase())
      .filter((v): v is string => !!v),
  );
  const failed = headerValue(src.headers, "x-failed-recipients")
    .flatMap((v) => v.split(","))
    .map((v) => ADDRESS.exec(v)?.[0]?.toLowerCase())
    .filter((v): v is string => !!v);

  // Recipient lines: "<a@b>:" (qmail), an address alone on its line (Exim, Gmail), "Your message to <a@b>".
  const hits: { address: string; line: number }[] = [];
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line.length > 400) continue;
    const alone = /^<?([^\s<>]+@[^\s<>:]+?)>?:?(?:$|\s+[245]\d\d\b)/.exec(line);
    const lead =
      /^(?:your message to|to|recipient(?: address)?|delivery to(?: the following recipient[^:]*)?)\s*:?\s*<?([^\s<>]+@[^\s<>:]+)>?/i.exec(
        line,
      );
    const addr = (alone?.[1] ?? lead?.[1] ?? "").toLowerCase();
    if (addr && ADDRESS.test(addr) && !own.has(addr) && !/mailer-daemon|postmaster/i.test(addr))
      hits.push({ address: ADDRESS.exec(addr)![0], line: i });
  }
  const addresses = failed.length ? failed : [...new Set(hits.map((h) => h.address))];
  if (!addresses.length) {
    const any = lines
      .map((l) => ADDRESS.exec(l)?.[0]?.toLowerCase())
      .find((a) => a && !own.has(a) && !/mailer-daemon|postmaster/i.test(a));
    if (any) addresses.push(any);
  }
  const whole = lines.join("\n");
  const delayed = DELAY_TEXT.test(src.subject) || (DELAY_TEXT.test(whole) && !/permanent/i.test(whole));

  return addresses.map((address) => {
    // The window of text that belongs to this recipient: from its line to the next recipient's line.
    const start = hits.find((h) => h.address === address)?.line ?? 0;
    const next = hits.find((h) => h.line > start && h.address !== address)?.line ?? lines.length;
    let window = lines.slice(start, next);
    if (!window.some((l) => ENHANCED.test(l) || REPLY.test(` ${l} `))) window = lines;
    const codeLine =
      window.find((l) => ENHANCED.test(l) && REPLY.test(` ${l} `)) ??
      window.find((l) => ENHANCED.test(l)) ??
      window.find((l) => REPLY.test(` ${l} `)) ??
      null;
    const enhanced = codeLine ? ENHANCED.exec(codeLine)?.[0] : undefined;
    const reply = codeLine ? (REPLY.exec(` ${codeLine} `)?.[1] ?? null) : null;
    const action: DsnAction = delayed ? "delayed" : "failed";
    const status = enhanced ?? (reply ? `${reply[0]}.0.0` : delayed ? "4.0.0" : "5.0.0");
    const diagnostic = codeLine ? codeLine.trim() : null;
    const score = spamScoreOf(diagnostic);
    return {
      action,
      finalRecipient: address,
      originalRecipient: null,
      status,
      replyCode: reply,
      diagnosticCode: diagnostic,
      remoteMta: null,
      ...(score !== undefined ? { spamScore: score } : {}),
      permanent: permanentFor(action),
    };
  });
}

function originalMessageIdFrom(src: Source): string | null {
  const from = (block: string | null) => {
    if (!block) return null;
    const m = /^message-id:\s*(.+)$/im.exec(block.slice(0, MAX_TEXT));
    return m ? bareId(m[1]) : null;
  };
  if (src.returnedHeaders) return from(src.returnedHeaders);
  // Heuristic bounces quote the original after the explanation.
  const text = src.text.replace(/\r\n?/g, "\n");
  const cut = explanation(text).join("\n").length;
  return from(text.slice(cut));
}

/** CR-only line endings (old Mac clients, some gateways) become CRLF, or nothing below parses. */
export function normaliseLineEndings(raw: Buffer): Buffer {
  const probe = raw.subarray(0, 64 * 1024);
  if (probe.includes(0x0a) || !probe.includes(0x0d)) return raw;
  return Buffer.from(raw.toString("latin1").replace(/\r/g, "\r\n"), "latin1");
}

async function sourceFromRaw(input: Buffer): Promise<Source> {
  const raw = normaliseLineEndings(input);
  const mail = await simpleParser(raw, {
    keepDeliveryStatus: true,
    skipHtmlToText: false,
    skipTextToHtml: true,
    skipImageLinks: true,
    maxHtmlLengthToParse: 2 * 1024 * 1024,
  });
  const headers: [string, string][] = (mail.headerLines ?? []).map(({ key, line }) => {
    const c = line.indexOf(":");
    return [
      c > 0 ? line.slice(0, c).trim() : key,
      (c > 0 ? line.slice(c + 1) : "").replace(/\r?\n[ \t]+/g, " ").trim(),
    ];
  });
  let deliveryStatus: string | null = null;
  let returnedHeaders: string | null = null;
  for (const a of mail.attachments ?? []) {
    const type = (a.contentType ?? "").toLowerCase();
    // Some MTAs send one delivery-status part per recipient: read them all.
    if (type === "message/delivery-status" || type === "message/global-delivery-status") {
      deliveryStatus = `${deliveryStatus ?? ""}\n\n${a.content.toString("utf8")}`;
    }
    if (
      !returnedHeaders &&
      (type === "message/rfc822" ||
        type === "text/rfc822-headers" ||
        type === "message/global" ||
        type === "message/global-headers")
    ) {
      returnedHeaders = a.content.toString("utf8").split(/\r?\n\r?\n/)[0] ?? null;
    }
  }
  let text = typeof mail.text === "string" ? mail.text : "";
  if (!text.trim() && !(mail.attachments ?? []).length) {
    // A multipart whose boundary never appears (seen in sendmail reports): read the body as text.
    const sep = raw.indexOf("\r\n\r\n") >= 0 ? raw.indexOf("\r\n\r\n") + 4 : raw.indexOf("\n\n") + 2;
    text = raw.subarray(Math.max(0, sep), sep + MAX_TEXT).toString("utf8");
  }
  return { headers, subject: mail.subject ?? "", text, deliveryStatus, returnedHeaders };
}

function sourceFromParsed(m: ParsedMessage): Source {
  // parseMessage folds the delivery-status part into the text; find its fields there.
  const text = m.text;
  const idx = text.search(/^(?:reporting-mta|final-recipient|original-recipient):/im);
  const rfc822 = m.attachments.find(
    (a) => a.contentType === "message/rfc822" || a.contentType === "text/rfc822-headers",
  );
  return {
    headers: m.headers,
    subject: m.subject,
    text,
    deliveryStatus: idx >= 0 && /^action:/im.test(text) ? text.slice(idx) : null,
    returnedHeaders: rfc822 ? (rfc822.content.toString("utf8").split(/\r?\n\r?\n/)[0] ?? null) : null,
  };
}

/**
 * Reads a delivery status notification. Returns null when the message is not one (including auto-replies
 * and ordinary mail), else the report with one entry per recipient. A success DSN (action `delivered`) is
 * returned as such: check `permanent` / `action` before marking anything bounced. Never throws.
 */
export async function parseDsn(input: Buffer | string | ParsedMessage): Promise<DsnReport | null> {
  try {
    const src =
      Buffer.isBuffer(input) || typeof input === "string"
        ? await sourceFromRaw(Buffer.isBuffer(input) ? input : Buffer.from(input, "utf8"))
        : sourceFromParsed(input);
    const contentType = headerValue(src.headers, "content-type")[0] ?? "";
    const isReport = /multipart\/report/i.test(contentType) && /report-type\s*=\s*"?delivery-status/i.test(contentType);

    let reportingMta: string | null = null;
    let recipients: DsnRecipient[] = [];
    let format: DsnReport["format"] = "rfc3464";
    const fields =
      src.deliveryStatus ??
      (isReport || /^final-recipient:/im.test(src.text)
        ? src.text.slice(Math.max(0, src.text.search(/^(?:reporting-mta|final-recipient|original-recipient):/im)))
        : null);
    if (fields) ({ reportingMta, recipients } = parseRfc3464(fields));
    if (!recipients.length) {
      if (!isReport && !looksLikeBounce(src)) return null;
      format = "heuristic";
      recipients = parseHeuristic(src);
      if (!recipients.length) return null;
    }
    return { format, reportingMta, originalMessageId: originalMessageIdFrom(src), recipients };
  } catch {
    return null;
  }
}
