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
  /**
   * SQLite: interactive transactions take the write lock when they begin (see immediateTransactions). For a
   * process whose transactions may read before they write while another process writes the same file (the web
   * app). Not for the MTA: its write transactions start with a write, and its frequent read-only ones (the
   * outbound claim poll) must not stall its event loop in better-sqlite3's synchronous busy wait.
   */
  beginImmediate?: boolean;
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
  const factory = new PrismaBetterSQLite3({
    url: database.url.replace(/^file:/, ""),
    timeout: options.busyTimeoutMs ?? 10_000,
  });
  return new SqliteClient({ adapter: options.beginImmediate ? immediateTransactions(factory) : factory });
}

type SqliteAdapterFactory = InstanceType<typeof PrismaBetterSQLite3>;
type SqliteAdapter = Awaited<ReturnType<SqliteAdapterFactory["connect"]>>;
type Statements = { prepare(sql: string): unknown };

/**
 * The adapter opens interactive transactions with a deferred `BEGIN`. With the web and the MTA process writing
 * one file, a transaction that reads first and writes later then fails at once with SQLITE_BUSY ("Operation has
 * timed out") whenever the other process committed in between: SQLite cannot upgrade a stale read snapshot, and
 * the busy timeout does not apply. `BEGIN IMMEDIATE` takes the write lock up front, waiting up to the busy
 * timeout for it, so every transaction sees the latest data and commits. Readers are not blocked (WAL). The wait
 * is synchronous in better-sqlite3, so two such clients in one process would wait on each other: one per process.
 */
function immediateTransactions(factory: SqliteAdapterFactory): SqliteAdapterFactory {
  const connect = factory.connect.bind(factory);
  factory.connect = async (): Promise<SqliteAdapter> => {
    const adapter = await connect();
    const database = (adapter as unknown as { client: Statements }).client;
    const prepare = database.prepare.bind(database);
    database.prepare = (sql: string) => prepare(sql === "BEGIN" ? "BEGIN IMMEDIATE" : sql);
    return adapter;
  };
  return factory;
}
