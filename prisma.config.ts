// Prisma CLI configuration. The JS schema engine (WebAssembly) is used so no native engine is ever
// downloaded; the CLI is only used to generate clients and to diff schemas into SQL (see scripts/prisma.ts).
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  adapter: () => Promise.resolve(new PrismaBetterSQLite3({ url: ":memory:" })),
});
