/**
 * A search's words applied to a piece of text, the same way on either database (issue 21 item 3): which text
 * contains every word, and the passage around the matched words for the Tickets list's snippet. The full-text
 * indexes find the messages; this module only looks at the few texts a page shows or ranks, so the rule that
 * marks a word lives here once instead of twice in two databases' dialects.
 *
 * Words are split and folded as searchWords splits and folds them (server/search/fold-text.ts), which is how
 * SQLite's unicode61 tokenizer and the PostgreSQL column split them too.
 */
import { foldText } from "./fold-text";

/** The words of a search; with `prefixLast`, the last word also matches the words it begins ("überw"). */
export type WordQuery = { words: string[]; prefixLast: boolean };

export type SnippetSegment = { text: string; hit: boolean };

type Token = { start: number; end: number; word: number };

const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;

/** Which of the query's words `folded` is (its index), or -1. */
function wordIndex(folded: string, q: WordQuery): number {
  const exact = q.words.indexOf(folded);
  if (exact >= 0) return exact;
  const last = q.words.length - 1;
  return q.prefixLast && last >= 0 && folded.startsWith(q.words[last]!) ? last : -1;
}

function tokens(text: string, q: WordQuery): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    out.push({ start: m.index, end: m.index + m[0].length, word: wordIndex(foldText(m[0]), q) });
  }
  return out;
}

/** Whether `text` contains every word of the query. */
export function containsAll(text: string | null | undefined, q: WordQuery): boolean {
  if (!text || !q.words.length) return false;
  const seen = new Set<number>();
  for (const t of tokens(text, q)) if (t.word >= 0) seen.add(t.word);
  return seen.size === q.words.length;
}

/**
 * The passage of `text` (about `maxWords` words) with the most different query words, then the most matches,
 * the earliest first; matched words marked, whitespace collapsed, "…" where the text goes on. Null when the
 * text contains none of the words. The text stays text: the page renders segments, never HTML.
 */
export function snippet(text: string | null | undefined, q: WordQuery, maxWords = 24): SnippetSegment[] | null {
  if (!text) return null;
  const all = tokens(text, q);
  let best = -1;
  let bestKey = [0, 0];
  for (let i = 0; i < all.length; i++) {
    if (all[i]!.word < 0) continue;
    // Windows that start a few words before a match, so the passage reads into it (and stays full at the end).
    const from = Math.max(0, Math.min(i - 3, all.length - maxWords));
    const span = all.slice(from, from + maxWords);
    const hits = span.filter((t) => t.word >= 0);
    const key = [new Set(hits.map((t) => t.word)).size, hits.length];
    if (key[0]! > bestKey[0]! || (key[0] === bestKey[0] && key[1]! > bestKey[1]!)) {
      best = from;
      bestKey = key;
    }
  }
  if (best < 0) return null;
  const span = all.slice(best, best + maxWords);
  const segments: SnippetSegment[] = [];
  const push = (s: string, hit: boolean) => {
    const text = s.replace(/\s+/g, " ");
    if (!text) return;
    const last = segments.at(-1);
    if (last && last.hit === hit) last.text += text;
    else segments.push({ text, hit });
  };
  if (best > 0) push("… ", false);
  let at = span[0]!.start;
  for (const t of span) {
    push(text.slice(at, t.start), false);
    push(text.slice(t.start, t.end), t.word >= 0);
    at = t.end;
  }
  if (best + maxWords < all.length) push(" …", false);
  if (segments[0] && !segments[0].hit) segments[0].text = segments[0].text.trimStart();
  return segments;
}
