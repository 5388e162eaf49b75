/**
 * Separates the new text of an email from quoted history and the signature (R-IN-7). The ticket shows
 * `newText` and keeps `quoted` and `signature` collapsed; the full text is stored separately by the caller and
 * nothing here is ever dropped: newText + signature + quoted hold every non-blank line of the input.
 *
 * Line-based and linear: every test runs on one line (or two adjacent lines, for Gmail's wrapped "On … wrote:")
 * with anchored patterns over lines capped in length, so a hostile body cannot make it backtrack. The recognisers:
 * - reply headers: "On … wrote:", and the same in French, Spanish, Italian, Portuguese, German, Dutch,
 *   Scandinavian, Polish, Czech, Finnish, Hungarian, Russian, Ukrainian, Chinese, Japanese, Korean; and any
 *   short line ending in ":" that carries a date or an address and introduces a `>` block;
 * - Outlook: "-----Original Message-----" (and translations), the "________________________________" rule, and a
 *   "From:/Sent:/To:/Subject:" header block (bold `*From:*` too, and translations);
 * - forwards: Gmail's "---------- Forwarded message ---------", Apple's "Begin forwarded message:";
 * - a trailing block of `>` lines (interleaved inline answers stay in the new text, with their context);
 * - signatures: "-- " / "--" / "__" delimiters and mobile sign-offs ("Sent from my iPhone", "Envoyé depuis…",
 *   "Von meinem … gesendet", "Get Outlook for …").
 * When none of these fires, email-reply-parser gets a look (on bounded input only: its regexes are not safe on
 * long lines). If the split would leave no new text at all (a bare forward), the whole text is the new text.
 */
import EmailReplyParser from "email-reply-parser";
import { trimTrailingBlanks } from "./header-text";

export type ReplySplit = { newText: string; quoted: string; signature: string };

/** Lines longer than this are never a header or a signature; also keeps every pattern's work bounded. */
const MAX_HEADER_LINE = 400;
const SIGNATURE_MAX_LINES = 40;
/** email-reply-parser runs only on bodies this small with lines this short (its patterns backtrack). */
const ERP_MAX_CHARS = 16_000;
const ERP_MAX_LINE = 500;
/** …and this few lines: it is quadratic in the number of (blank) lines — 10,000 empty lines took 3 s. */
const ERP_MAX_LINES = 1_000;

const WROTE_VERBS =
  "wrote|a écrit|escribió|escribio|ha scritto|escreveu|schrieb|schreef|skrev|napisał\\(a\\)|napisał|napisała|pisze|" +
  "napsal\\(a\\)|napsal|kirjoitti|írta|пишет|написал\\(а\\)|написал|написала|пише|написав|написала|写道|寫道|のメッセージ|작성";
const WROTE_END = new RegExp(`(?:${WROTE_VERBS})\\s*[:：]?\\s*$`, "iu");
/** German and Dutch put the verb before the name: "Am 1.2.2020 schrieb Foo <a@b>:". */
const WROTE_ANYWHERE = new RegExp(`(?:^|\\s)(?:${WROTE_VERBS})(?:\\s|$)`, "iu");
const WROTE_START =
  /^(?:on|le|el|il|in data|em|am|op|den|d\.|dne|dnia|w dniu|pe|ma|ti|ke|to|pe|la|el día|il giorno)\s/iu;

const ORIGINAL_MESSAGE =
  /^\s*-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|mensagem original|původní zpráva|oryginalna wiadomość|opprinnelig melding|oprindelig meddelelse|oprindelig besked|ursprungligt meddelande|alkuperäinen viesti|исходное сообщение|оригинальное сообщение|原始邮件|原始郵件)\s*-{2,}\s*$/iu;
const FORWARDED =
  /^\s*(?:-{2,}\s*(?:forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|mensagem encaminhada|videresendt meddelelse|vidarebefordrat meddelande|пересылаемое сообщение|转发的邮件)\s*-{2,}|begin forwarded message:|début du message réexpédié\s*:|anfang der weitergeleiteten nachricht:)\s*$/iu;
const OUTLOOK_RULE = /^\s*(?:_{10,}|-{10,})\s*$/;
const FROM_HEADER =
  /^\s*\*?(?:from|von|de|da|van|od|fra|från|от|від|lähettäjä|feladó|发件人|寄件者|差出人)\s*\*?\s*[:：]\s*\*?\s*\S/iu;
const OTHER_HEADER =
  /^\s*\*?(?:sent|date|to|cc|subject|gesendet|datum|an|betreff|envoyé|à|objet|enviado|para|asunto|fecha|inviato|a|oggetto|data|verzonden|aan|onderwerp|wysłano|do|temat|sendt|til|emne|skickat|till|ämne|lähetetty|vastaanottaja|aihe|отправлено|кому|тема|дата|надіслано|发送时间|收件人|主题|日期|寄件日期|收件者|主旨|送信日時|宛先|件名)\s*\*?\s*[:：]/iu;

const SIG_DELIMITER = /^(?:--|-- |__|___|—)\s*$/;
const MOBILE_SIGNATURE = [
  /^(?:sent|envoyé|enviado|inviato|verzonden|verstuurd|sendt|skickat|wysłane|gesendet)\s+(?:from|with|via|depuis|de|desde|da|vanaf|met|von|fra|från|z)\s+[^,;:]{1,50}$/iu,
  /^von meinem .{1,60} gesendet\.?$/iu,
  /^diese nachricht wurde von meinem .{1,80} gesendet\.?$/iu,
  /^(?:get|télécharger|obtenir|descargar|scarica) outlook (?:for|pour|para|per) /iu,
  /^從我的 .{1,30} 傳送$/u,
  /^发自我的\s?.{1,30}$/u,
];

function isQuoteLine(line: string): boolean {
  return /^\s*>/.test(line);
}

function isBlank(line: string): boolean {
  return line.trim() === "";
}

function short(line: string): boolean {
  return line.length <= MAX_HEADER_LINE;
}

/** "On … wrote:" on one line, or wrapped over two or three (Gmail wraps long names and addresses). Returns lines used. */
function wroteHeaderAt(lines: string[], i: number): number {
  const line = lines[i]!.trim();
  if (!short(line)) return 0;
  if (WROTE_END.test(line) && (WROTE_START.test(line) || /\d|@/.test(line))) return 1;
  // Wrapped headers start with the verb's lead-in ("On", "Le", …) or with the date (Android, Russian locale).
  if (!WROTE_START.test(line) && !/^\d/.test(line)) return 0;
  if (/[:：]$/.test(line) && WROTE_ANYWHERE.test(line) && /\d|@/.test(line)) return 1;
  let joined = line;
  for (let k = 1; k <= 2; k++) {
    const next = lines[i + k]?.trim();
    if (next === undefined || !next || !short(next) || isQuoteLine(next)) return 0;
    joined += ` ${next}`;
    const ends = WROTE_END.test(next) || (/[:：]$/.test(next) && WROTE_ANYWHERE.test(joined));
    if (ends) return /\d|@/.test(joined) ? k + 1 : 0;
  }
  return 0;
}

/** An Outlook header block: a From: line followed within four lines by another header field. */
function outlookHeaderAt(lines: string[], i: number): boolean {
  const line = lines[i]!;
  if (!short(line) || !FROM_HEADER.test(line)) return false;
  for (let j = i + 1; j < Math.min(lines.length, i + 5); j++) {
    const l = lines[j]!;
    if (short(l) && OTHER_HEADER.test(l)) return true;
  }
  return false;
}

/**
 * Index of the first line after a `>` block starting at or after `from` (skipping blank lines). A non-quoted
 * line glued to a quoted line above it is a lazy continuation (clients re-wrap quoted text and lose the `>`),
 * not an inline answer: those are set off by a blank line.
 */
function endOfQuoteBlock(lines: string[], from: number): number {
  let j = from;
  while (j < lines.length) {
    const l = lines[j]!;
    const prev = lines[j - 1];
    // Only a long quoted line can have been re-wrapped; after a short one ("> Hi") a glued line is an answer.
    const lazy = prev !== undefined && j > from && isQuoteLine(prev) && prev.trim().length >= 60 && !isBlank(l);
    if (isQuoteLine(l) || isBlank(l) || lazy) j++;
    else break;
  }
  return j;
}

function startsSignature(lines: string[], i: number): boolean {
  const line = lines[i]!;
  if (!short(line)) return false;
  const rest = lines.length - i;
  if (rest > SIGNATURE_MAX_LINES) return false;
  if (SIG_DELIMITER.test(line)) return true;
  // "Sent from Outlook Mobile<https://aka.ms/…>": links do not count against the sign-off's shape.
  const t = line.replace(/<[^<>\s]{1,300}>/g, "").trim();
  return MOBILE_SIGNATURE.some((re) => re.test(t));
}

/** Where the quoted history begins (a line index), or -1. */
function findQuoteStart(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (isBlank(line)) continue;
    if (isQuoteLine(line)) {
      // A `>` block followed by nothing but a signature is the quoted history, even with the author's
      // signature below it (bottom-signing webmail).
      if (i > 0 && isQuoteLine(lines[i - 1]!)) continue;
      const end = endOfQuoteBlock(lines, i);
      const r = lines.findIndex((l, k) => k >= end && !isBlank(l));
      if (r >= 0 && startsSignature(lines, r)) return headerAbove(lines, i);
      continue;
    }
    if (short(line) && (ORIGINAL_MESSAGE.test(line) || FORWARDED.test(line))) return i;
    if (outlookHeaderAt(lines, i)) {
      // Outlook puts a horizontal rule (or a blank line and a rule) above the header block.
      let k = i - 1;
      while (k >= 0 && isBlank(lines[k]!)) k--;
      return k >= 0 && OUTLOOK_RULE.test(lines[k]!) ? k : i;
    }
    const used = wroteHeaderAt(lines, i);
    if (used) {
      // A reply header introducing a `>` block that is followed by more of the author's own text is an
      // inline (interleaved) reply: keep it all as new text; the trailing-quote pass trims what is left.
      const blockEnd = endOfQuoteBlock(lines, i + used);
      const r = lines.findIndex((l, k) => k >= blockEnd && !isBlank(l));
      const interleaved = r >= 0 && !startsSignature(lines, r);
      const quotesFollow = blockEnd > i + used && lines.slice(i + used, blockEnd).some(isQuoteLine);
      if (quotesFollow && interleaved) continue;
      return i;
    }
  }
  return -1;
}

/** The line(s) just above a `>` block that introduce it ("Foo <a@b> schrieb:"), else the block start. */
function headerAbove(lines: string[], start: number): number {
  let k = start - 1;
  while (k >= 0 && isBlank(lines[k]!)) k--;
  if (k < 0) return start;
  const l = lines[k]!.trim();
  if (short(l) && /[:：]$/.test(l) && (/\d|@/.test(l) || WROTE_END.test(l))) {
    for (let back = 2; back >= 1; back--) {
      if (k - back >= 0 && wroteHeaderAt(lines, k - back) === back + 1) return k - back;
    }
    return k;
  }
  return start;
}

/** Start of a trailing `>` block (with the header line that introduces it), or lines.length. */
function trailingQuoteStart(lines: string[]): number {
  let j = lines.length;
  while (j > 0 && isBlank(lines[j - 1]!)) j--;
  let start = j;
  let sawQuote = false;
  while (start > 0 && (isQuoteLine(lines[start - 1]!) || isBlank(lines[start - 1]!))) {
    if (isQuoteLine(lines[start - 1]!)) sawQuote = true;
    start--;
  }
  if (!sawQuote) return lines.length;
  while (start < lines.length && isBlank(lines[start]!)) start++;
  return headerAbove(lines, start);
}

function findSignatureStart(lines: string[]): number {
  for (let i = 1; i < lines.length; i++) if (startsSignature(lines, i)) return i;
  return lines.length;
}

/** Trims trailing spaces per line and blank lines at both ends. */
function tidy(lines: string[]): string {
  const out = lines.map(trimTrailingBlanks);
  let a = 0;
  let b = out.length;
  while (a < b && out[a] === "") a++;
  while (b > a && out[b - 1] === "") b--;
  return out.slice(a, b).join("\n");
}

/** Second opinion from email-reply-parser: the number of leading lines it considers visible, or null. */
function replyParserCut(lines: string[]): number | null {
  const text = lines.join("\n");
  if (text.length > ERP_MAX_CHARS || lines.length > ERP_MAX_LINES || lines.some((l) => l.length > ERP_MAX_LINE)) {
    return null;
  }
  try {
    const visible = new EmailReplyParser().parseReply(text);
    const vis = visible.split("\n").map((l) => l.trimEnd());
    while (vis.length && vis[vis.length - 1] === "") vis.pop();
    if (!vis.length) return null;
    // Accept only a clean prefix of the original, so nothing is reordered or invented.
    const norm = lines.map((l) => l.trimEnd());
    let i = 0;
    let v = 0;
    while (v < vis.length && i < norm.length) {
      if (norm[i] === vis[v]) {
        i++;
        v++;
      } else if (norm[i] === "") i++;
      else if (vis[v] === "") v++;
      else return null;
    }
    return v === vis.length && i < norm.length ? i : null;
  } catch {
    return null;
  }
}

/**
 * Splits a plain-text body into the author's new text, the quoted history and the signature. Never throws;
 * `newText` is never empty when the input has text.
 */
export function splitReply(text: string): ReplySplit {
  const input = typeof text === "string" ? text : "";
  const lines = input.replace(/\r\n?/g, "\n").split("\n");

  let cut = findQuoteStart(lines);
  if (cut < 0) cut = lines.length;
  let head = lines.slice(0, cut);
  let quotedLines = lines.slice(cut);

  const tq = trailingQuoteStart(head);
  if (tq < head.length) {
    quotedLines = head.slice(tq).concat(quotedLines);
    head = head.slice(0, tq);
  }

  // Bottom-posting (Thunderbird's default): one quote block, with its header, on top and the answer below.
  const first = head.findIndex((l) => !isBlank(l));
  if (first >= 0) {
    // Only with a reply header: a bare "> quote" on top followed by text is someone quoting a line to answer it.
    const used = isQuoteLine(head[first]!) ? 0 : wroteHeaderAt(head, first);
    if (used) {
      const end = endOfQuoteBlock(head, first + used);
      const below = head.slice(end);
      const quotesAbove = head.slice(first + used, end).some(isQuoteLine);
      if (quotesAbove && below.some((l) => !isBlank(l)) && !below.some(isQuoteLine)) {
        quotedLines = head.slice(0, end).concat(quotedLines);
        head = below;
      }
    }
  }

  const sig = findSignatureStart(head);
  const signatureLines = head.slice(sig);
  head = head.slice(0, sig);

  if (!quotedLines.some((l) => !isBlank(l)) && !signatureLines.length) {
    const erp = replyParserCut(head);
    if (erp !== null) {
      const rest = head.slice(erp);
      head = head.slice(0, erp);
      // Only its quote detection is trusted: its signature patterns are broader than ours ("Sent from my
      // desk, is much easier…" is prose), so a cut must begin at a quote or a header-like line.
      const first = rest.find((l) => !isBlank(l))?.trim() ?? "";
      if (isQuoteLine(first) || (short(first) && /[:：]$/.test(first))) quotedLines = rest;
      else head = head.concat(rest);
    }
  }

  const newText = tidy(head);
  if (!newText) {
    // A bare forward or an all-quote message: what the agent needs to read is the "quoted" part.
    return { newText: tidy(lines), quoted: "", signature: "" };
  }
  return { newText, quoted: tidy(quotedLines), signature: tidy(signatureLines) };
}
