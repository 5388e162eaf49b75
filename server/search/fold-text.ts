/**
 * Unicode-aware case folding for searches (B1 of issue 20): "überweisung", "Überweisung" and "ÜBERWEISUNG" are one
 * word. SQLite's LIKE and lower() fold ASCII only, so text is folded here, in one place, for every search that
 * compares text outside a full-text index (the Activity subject search) and for the words given to the full-text
 * indexes (server/tickets/search-tickets.ts). NFKC first, so compatibility forms (ligatures, full-width letters)
 * compare as their plain letters; then the locale-independent Unicode lower case (not toLocaleLowerCase, which
 * would treat "I" differently under a Turkish locale).
 */
export function foldText(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

/**
 * The words of a search as the full-text indexes see them: folded, split on anything that is not a letter, a
 * digit or a combining mark (as SQLite's unicode61 tokenizer splits; "bob@contoso" is "bob" and "contoso").
 */
export function searchWords(text: string, max = 12): string[] {
  return (foldText(text).match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).slice(0, max);
}
