import { rmSync } from "node:fs";
import pg from "pg";
import { instances, postgresDatabaseName } from "./instances";

/** Removes this run's data directories and PostgreSQL database. */
export default async function teardown(): Promise<void> {
  for (const instance of instances()) rmSync(instance.dataDir, { recursive: true, force: true });
  const admin = process.env.TEST_POSTGRES_URL;
  if (!admin) return;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${postgresDatabaseName()} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
