/**
 * The subject key that repeats fold on (R-AUTO-1): a device that mails "Disk C: 7.8% free at 06:00" and then
 * "Disk C: 7.5% free at 06:05" is saying one thing twice. Reply and forward prefixes, dates, times, hex ids,
 * UUIDs and every other run of digits (counters, percentages, ticket numbers) are taken out; what remains, lower
 * cased with runs of white space folded, is the key. Two subjects fold only when their keys are equal, and the
 * sender is the same (the caller's rule), so "[Failed] Nightly backup" and "[Success] Nightly backup" stay apart.
 */

/** Reply and forward prefixes of common clients and languages, with an optional counter: `Re[2]:`, `AW:`, `Fwd:`. */
const PREFIX = /^\s*(?:re|fw|fwd|aw|wg|sv|vs|antw|doorst|rif|r|tr|ref|odp|vl|yv|enc|res)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*/iu;
const EXTERNAL_TAG = /^\s*\[(?:external|extern|ext)\]\s*/iu;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/giu;
/** A token of 6+ hex digits with at least one digit and one letter (a decimal run is caught by DIGITS). */
const HEX_ID = /\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{6,}\b/giu;
const TIME = /\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:am|pm|utc|gmt|z)?\b/giu;
const DIGITS = /\d+(?:[.,:/-]\d+)*/gu;
/** A numeric time zone after a time: "02:14:07 +0000". */
const ZONE = /#\s*[+-]#/gu;
const WEEKDAY = /\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?\b\.?,?/giu;
const MONTH =
  /(#\s*)?\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?(\s*#)?/giu;

export function normaliseSubject(subject: string | null | undefined): string {
  let s = (subject ?? "").normalize("NFKC");
  for (let i = 0; i < 10; i++) {
    const next = s.replace(PREFIX, "").replace(EXTERNAL_TAG, "");
    if (next === s) break;
    s = next;
  }
  s = s.toLowerCase().replace(UUID, "#").replace(HEX_ID, "#").replace(TIME, "#").replace(DIGITS, "#");
  // A month or weekday name is part of a date only next to a number: "30 Nov 2026" → "#", "Sale in May" stays.
  s = s.replace(MONTH, (all, before?: string, after?: string) => (before || after ? "#" : all));
  s = s.replace(ZONE, "#").replace(WEEKDAY, (all, offset: number, whole: string) => {
    const around = whole.slice(Math.max(0, offset - 3), offset + all.length + 3);
    return around.includes("#") ? "" : all;
  });
  return s
    .replace(/#(?:[\s#.,:/-]*#)*/gu, "#")
    .replace(/\s+/gu, " ")
    .trim();
}
