/**
 * Linear-time scans of header and body text that regular expressions did in quadratic time on hostile input
 * (found by test/security/fuzz.test.ts: `/<([^>]*)>/` on a run of "<", `/\([^)]*\)/g` on a run of "(" and
 * `/[ \t\r]+$/` on a long run of spaces each rescanned the rest of the string from every start position, taking
 * seconds on 50 kB). Same results as those expressions, one pass each.
 */

/** What `/<([^>]*)>/.exec(value)?.[1]` gives: the text between the first "<" and the first ">" after it, or null. */
export function firstBracketed(value: string): string | null {
  const open = value.indexOf("<");
  if (open < 0) return null;
  const close = value.indexOf(">", open + 1);
  return close < 0 ? null : value.slice(open + 1, close);
}

/** What `value.replace(/\([^)]*\)/g, "")` gives: every "(" … first ")" after it removed (RFC 5322 comments, flat). */
export function stripComments(value: string): string {
  let out = "";
  let from = 0;
  for (;;) {
    const open = value.indexOf("(", from);
    if (open < 0) break;
    const close = value.indexOf(")", open + 1);
    if (close < 0) break;
    out += value.slice(from, open);
    from = close + 1;
  }
  return out + value.slice(from);
}

/** What `line.replace(/[ \t\r]+$/, "")` gives. */
export function trimTrailingBlanks(line: string): string {
  let end = line.length;
  while (end > 0) {
    const c = line.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) break;
    end--;
  }
  return line.slice(0, end);
}
