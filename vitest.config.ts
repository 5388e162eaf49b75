import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["server/**/*.test.ts", "mta/**/*.test.ts", "test/**/*.test.ts", "scripts/**/*.test.ts"],
    exclude: ["e2e/**", "node_modules/**"],
    // PostgreSQL for the database tests: TEST_POSTGRES_URL, or an embedded server started once for the run.
    globalSetup: ["test/support/global-setup.ts"],
    // Integration tests start Haraka processes and databases; two cores, so two files at a time.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { NEXT_TELEMETRY_DISABLED: "1", LOG_LEVEL: "warn" },
  },
});
