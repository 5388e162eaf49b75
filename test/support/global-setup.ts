/**
 * vitest globalSetup: one PostgreSQL for the whole run (TEST_POSTGRES_URL, or one started here), so every
 * database test runs on SQLite and PostgreSQL; the run says which databases it tested at its start and end.
 */
import { ensureTestPostgres, stopTestPostgres } from "./test-postgres";

export default async function setup(): Promise<() => Promise<void>> {
  await ensureTestPostgres("vitest");
  return () => stopTestPostgres("vitest");
}
