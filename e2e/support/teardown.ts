import { rmSync } from "node:fs";
import pg from "pg";
import { stopTestPostgres } from "../../test/support/test-postgres";
import { instances, postgresDatabaseName } from "./instances";

/** Removes this run's data directories and PostgreSQL database, and stops the PostgreSQL the run started. */
export default async function teardown(): Promise<void> {
  for (const instance of instances()) rmSync(instance.dataDir, { recursive: true, force: true });
  const admin = process.env.TEST_POSTGRES_URL;
  if (admin) {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${postgresDatabaseName()} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
  await stopTestPostgres("playwright");
}
