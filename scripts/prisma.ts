/**
 * Prisma tasks for both providers from the one schema source (prisma/schema.prisma, SQLite).
 *
 *   tsx scripts/prisma.ts generate          generate the SQLite and PostgreSQL clients
 *   tsx scripts/prisma.ts migration <name>  write a new migration for both providers
 *
 * Prisma 6.19's schema engine cannot apply migrations to PostgreSQL here and `migrate dev` fails offline, so
 * migrations are authored with `migrate diff` (no database needed) against a snapshot of the schema as of the
 * last migration, and applied by server/db/migrate.ts on both databases.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, copyFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const schemaPath = path.join(root, "prisma/schema.prisma");
const generatedDir = path.join(root, "prisma/.generated");
const migrationsDir = path.join(root, "prisma/migrations");
const snapshotPath = path.join(migrationsDir, "schema.snapshot.prisma");

export const providers = ["sqlite", "postgresql"] as const;
type Provider = (typeof providers)[number];

/** The schema text for one provider: the source with its datasource provider and client output swapped. */
function schemaFor(source: string, provider: Provider): string {
  if (provider === "sqlite") {
    return source
      .replace('output     = "../server/db/generated/sqlite"', 'output     = "../../server/db/generated/sqlite"')
      .replace('output               = "../server/db/generated/kysely"', 'output               = "../../server/db/generated/kysely"');
  }
  const swapped = source
    // The Kysely types are generated once, from the SQLite variant.
    .replace(/\ngenerator kysely \{[^}]*\}\n/, "\n")
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace('url      = "file:./unused.db"', 'url      = "postgresql://unused@localhost/unused"')
    .replace('output     = "../server/db/generated/sqlite"', 'output     = "../../server/db/generated/postgresql"');
  if (!swapped.includes('provider = "postgresql"') || !swapped.includes("generated/postgresql")) {
    throw new Error("prisma/schema.prisma no longer has the datasource/generator lines scripts/prisma.ts swaps");
  }
  return swapped;
}

function writeVariant(source: string, provider: Provider, name: string): string {
  mkdirSync(generatedDir, { recursive: true });
  const file = path.join(generatedDir, `${name}.${provider}.prisma`);
  writeFileSync(file, schemaFor(source, provider));
  return file;
}

function prisma(args: string[]): string {
  const engineStub = path.join(root, "package.json");
  return execFileSync(path.join(root, "node_modules/.bin/prisma"), args, {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      // Never executed with engine "js", but without them the CLI tries to download engines at start.
      PRISMA_SCHEMA_ENGINE_BINARY: engineStub,
      PRISMA_QUERY_ENGINE_LIBRARY: engineStub,
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
      CHECKPOINT_DISABLE: "1",
    },
  });
}

function generate(): void {
  const source = readFileSync(schemaPath, "utf8");
  for (const provider of providers) {
    const file = writeVariant(source, provider, "schema");
    prisma(["generate", "--schema", file]);
    console.log(`generated the ${provider} client`);
  }
}

function migration(name: string): void {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error("migration name: lower-case letters, digits and _ only");
  const source = readFileSync(schemaPath, "utf8");
  const previous = existsSync(snapshotPath) ? readFileSync(snapshotPath, "utf8") : null;
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  let wrote = false;
  for (const provider of providers) {
    const to = writeVariant(source, provider, "to");
    const from = previous === null ? ["--from-empty"] : ["--from-schema-datamodel", writeVariant(previous, provider, "from")];
    const sql = prisma(["migrate", "diff", ...from, "--to-schema-datamodel", to, "--script"]);
    if (!/\b(CREATE|ALTER|DROP|INSERT|UPDATE)\b/.test(sql)) continue;
    const dir = path.join(migrationsDir, provider, `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "migration.sql"), sql);
    console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
    wrote = true;
  }
  if (!wrote) {
    console.log("the schema has not changed since the last migration");
    return;
  }
  copyFileSync(schemaPath, snapshotPath);
}

const [command, arg] = process.argv.slice(2);
if (command === "generate") generate();
else if (command === "migration" && arg) migration(arg);
else if (command === "list") for (const p of providers) console.log(p, readdirSync(path.join(migrationsDir, p)).join(" "));
else {
  console.error("usage: tsx scripts/prisma.ts generate | migration <name>");
  process.exit(2);
}
