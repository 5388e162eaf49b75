/**
 * Several PostgreSQL statements as one simple query (issue 15): BEGIN with the transaction's first statement,
 * and the deferred writes with COMMIT, each pair one round trip instead of two. A parameterised statement needs
 * the extended protocol, one statement per round trip; a simple query may hold several, so the values are
 * written into the text as literals:
 *   - text as an escape string, E'…' with every backslash and quote doubled, which reads the same whatever
 *     standard_conforming_strings says (a value cannot end the literal);
 *   - bytes as decode('<hex>', 'hex'); finite numbers and bigints as digits; booleans; NULL; a Date as its ISO text.
 * Anything else (an object, NaN), or more than INLINE_LIMIT characters of values, and the caller sends the
 * statements one by one with their parameters as before. Like deferred writes, only for statements whose every
 * value Kysely binds as a parameter: the `$n` placeholders are what is replaced.
 */
import type { CompiledQuery } from "kysely";
import { replacePlaceholders } from "./pg-placeholders";

/** Past this many characters of literals, parameters are cheaper than the text (large mail goes one by one). */
export const INLINE_LIMIT = 256 * 1024;

function literalOf(value: unknown): string | null {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return `E'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : null;
  if (typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : `E'${value.toISOString()}'`;
  if (value instanceof Uint8Array)
    return `decode('${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}', 'hex')`;
  return null;
}

/** The statements as one query text, in order; null when a value cannot be written as a literal or they are too large. */
export function inlineStatements(statements: readonly CompiledQuery[]): string | null {
  let size = 0;
  const texts: string[] = [];
  for (const statement of statements) {
    const literals: string[] = [];
    for (const value of statement.parameters) {
      const literal = literalOf(value);
      if (literal === null) return null;
      size += literal.length;
      if (size > INLINE_LIMIT) return null;
      literals.push(literal);
    }
    let missing = false;
    const text = replacePlaceholders(statement.sql, (n) => {
      const literal = literals[n - 1];
      if (literal === undefined) missing = true;
      return literal ?? "";
    });
    if (missing) return null;
    texts.push(text);
  }
  return texts.join(";\n");
}
