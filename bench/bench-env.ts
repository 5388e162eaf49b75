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

export type Timing = { name: string; p50: number; p95: number };

/** The p50/p95 table of a database benchmark: one row per query, two columns per provider. */
export function printTimings(firstColumn: string, results: Map<string, Timing[]>): void {
  const providers = [...results.keys()];
  const names = [...results.values()][0]!.map((r) => r.name);
  const header = [firstColumn, ...providers.flatMap((p) => [`${p} p50 ms`, `${p} p95 ms`])];
  const table = names.map((name) => [
    name,
    ...providers.flatMap((p) => {
      const r = results.get(p)!.find((x) => x.name === name)!;
      return [r.p50.toFixed(1), r.p95.toFixed(1)];
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log("");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of table) console.log(line(row));
  console.log("");
}
