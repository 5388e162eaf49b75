/** Recognises Prisma's unique-constraint violation (P2002) without importing a provider's generated client. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === "P2002";
}

/**
 * Case-insensitive `contains`: PostgreSQL needs `mode: "insensitive"`; SQLite's LIKE already ignores ASCII case
 * and rejects the `mode` argument. The `Db` type is the SQLite client's, hence the cast.
 */
export function containsInsensitive(db: object, value: string): { contains: string } {
  const provider = (db as { _activeProvider?: string })._activeProvider;
  return provider === "postgresql" ? ({ contains: value, mode: "insensitive" } as { contains: string }) : { contains: value };
}
