import { providerOf } from "../db/sql";

/**
 * Recognises a unique-constraint violation without importing a provider's generated client: P2002 from the
 * model API, P2010 ("raw query failed") whose driver error is one, or the driver's own error from a Kysely
 * statement (server/db/sql.ts): better-sqlite3's SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY, PostgreSQL's 23505.
 */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== "object" || err === null || !("code" in err)) return false;
  if (err.code === "P2002" || err.code === "23505") return true;
  if (err.code === "SQLITE_CONSTRAINT_UNIQUE" || err.code === "SQLITE_CONSTRAINT_PRIMARYKEY") return true;
  const meta = (err as { meta?: { driverAdapterError?: { cause?: { kind?: string } } } }).meta;
  return err.code === "P2010" && meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation";
}

/**
 * Case-insensitive `contains`: PostgreSQL needs `mode: "insensitive"`; SQLite's LIKE already ignores ASCII case
 * and rejects the `mode` argument. The `Db` type is the SQLite client's, hence the cast.
 */
export function containsInsensitive(db: object, value: string): { contains: string } {
  return providerOf(db) === "postgresql" ? ({ contains: value, mode: "insensitive" } as { contains: string }) : { contains: value };
}
