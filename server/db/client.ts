/**
 * createDb(database) → a Prisma client on the right driver adapter. One generated client per provider (see
 * scripts/prisma.ts); both expose the same models, so the SQLite client's type is the `Db` type everywhere.
 */
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "./generated/sqlite/client";
import { PrismaClient as PostgresClient } from "./generated/postgresql/client";
import type { Env } from "../env";

export type Db = SqliteClient;
/** A client or an interactive transaction: what domain functions take as their first argument. */
export type Tx = Omit<Db, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export type DbOptions = {
  /** PostgreSQL pool size; size web + MTA pools together against max_connections. */
  poolSize?: number;
  /** SQLite busy timeout in ms: how long a writer waits for the other process's lock. */
  busyTimeoutMs?: number;
};

export function createDb(database: Env["database"], options: DbOptions = {}): Db {
  if (database.provider === "postgresql") {
    const adapter = new PrismaPg({
      connectionString: database.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
    });
    return new PostgresClient({ adapter }) as unknown as Db;
  }
  const adapter = new PrismaBetterSQLite3({
    url: database.url.replace(/^file:/, ""),
    timeout: options.busyTimeoutMs ?? 10_000,
  });
  return new SqliteClient({ adapter });
}
