/** `npm run db:migrate`: apply pending migrations to the configured database (the start command does this too). */
import { loadEnv } from "../server/env";
import { applyMigrations } from "../server/db/migrate";

const env = loadEnv();
const applied = await applyMigrations(env.database);
console.log(applied.length ? `applied ${applied.join(", ")}` : `the ${env.database.provider} database is up to date`);
