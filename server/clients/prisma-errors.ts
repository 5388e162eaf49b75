/**
 * Recognises a unique-constraint violation without importing a provider's generated client: P2002 from the
 * model API, or P2010 ("raw query failed") whose driver error is one (server/db/raw-sql.ts).
 */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== "object" || err === null || !("code" in err)) return false;
  if (err.code === "P2002") return true;
  const meta = (err as { meta?: { driverAdapterError?: { cause?: { kind?: string } } } }).meta;
  return err.code === "P2010" && meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation";
}

/**
 * Case-insensitive `contains`: PostgreSQL needs `mode: "insensitive"`; SQLite's LIKE already ignores ASCII case
 * and rejects the `mode` argument. The `Db` type is the SQLite client's, hence the cast.
 */
export function containsInsensitive(db: object, value: string): { contains: string } {
  const provider = (db as { _activeProvider?: string })._activeProvider;
  return provider === "postgresql" ? ({ contains: value, mode: "insensitive" } as { contains: string }) : { contains: value };
}
