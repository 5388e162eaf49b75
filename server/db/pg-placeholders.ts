/**
 * PostgreSQL's `$n` placeholders in SQL that Kysely compiled: what joining statements into one (deferred writes,
 * reads together) renumbers and what writing values as literals (pg-inline.ts) replaces. Kysely binds every
 * value as a parameter, so a `$` followed by digits is a placeholder unless it continues a name (`"b$2"`).
 */
const PLACEHOLDER = /(?<![\w$])\$(\d+)/g;

/** `sql` with each placeholder `$n` replaced by `replace(n)`. */
export function replacePlaceholders(sql: string, replace: (n: number) => string): string {
  return sql.replace(PLACEHOLDER, (_, n: string) => replace(Number(n)));
}

/** `sql`'s placeholders renumbered from `offset + 1`, for joining statements into one. */
export function shiftPlaceholders(sql: string, offset: number): string {
  return replacePlaceholders(sql, (n) => `$${n + offset}`);
}
