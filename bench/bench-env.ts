/**
 * The PostgreSQL database a benchmark adds rows for: BENCH_POSTGRES_URL, else TEST_POSTGRES_URL. Copied into
 * TEST_POSTGRES_URL because test/support/database.ts (which the benchmarks use to make databases) reads that.
 */
export function benchPostgresUrl(): string | undefined {
  const url = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL;
  if (url) process.env.TEST_POSTGRES_URL = url;
  return url;
}
