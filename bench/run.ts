/** `npm run bench <name>`: runs bench/<name>.ts (e.g. `npm run bench inbound`). Benchmarks print figures; they never pass or fail on time. */
import { readdirSync } from "node:fs";
import path from "node:path";

const available = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith(".ts") && !["run.ts", "smtp-load.ts", "bench-mail.ts", "bench-env.ts", "large-mail-load.ts"].includes(f))
  .map((f) => f.replace(/\.ts$/, ""));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench <${available.join("|")}>`);
  process.exit(2);
}
await import(path.join(import.meta.dirname, `${name}.ts`));
