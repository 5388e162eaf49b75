/**
 * The PostgreSQL database a benchmark adds rows for: BENCH_POSTGRES_URL, else TEST_POSTGRES_URL. Copied into
 * TEST_POSTGRES_URL because test/support/database.ts (which the benchmarks use to make databases) reads that.
 */
export function benchPostgresUrl(): string | undefined {
  const url = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL;
  if (url) process.env.TEST_POSTGRES_URL = url;
  return url;
}

/** A small deterministic PRNG (mulberry32), so every database of a benchmark gets the same rows. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
