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
  /**
   * SQLite: statements outside a transaction wait while this process has one open, instead of running inside
   * it (see isolateTransactions). For the MTA, whose outbound worker writes outside transactions while ingestion
   * runs them. Not for the web process: better-auth may issue a statement
   * outside the transaction it has open, which would then wait for itself.
   */
  isolateTransactions?: boolean;
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
  if (options.beginImmediate) immediateTransactions(factory);
  if (options.isolateTransactions) isolateTransactions(factory);
  return new SqliteClient({ adapter: factory });
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

type Queryable = Pick<SqliteAdapter, "queryRaw" | "executeRaw">;

/**
 * The adapter keeps one connection per process, and only transactions wait for each other (its mutex): a
 * statement outside a transaction runs on the connection while another caller's transaction is open, and so
 * becomes part of it. A write there (an outbound claim, a lease renewal) resolves as if committed and is then
 * undone when that transaction rolls back (an ingest that ends in 451, say). Here every transaction, from BEGIN
 * to COMMIT or ROLLBACK, and every statement outside one take turns, first come first served, so neither waits
 * on the other for long.
 */
function isolateTransactions(factory: SqliteAdapterFactory): SqliteAdapterFactory {
  const connect = factory.connect.bind(factory);
  factory.connect = async (): Promise<SqliteAdapter> => {
    const adapter = await connect();
    let tail: Promise<void> = Promise.resolve();
    /** Resolves with the release function once every earlier holder has released. */
    const acquire = (): Promise<() => void> => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const turn = tail.then(() => release);
      tail = tail.then(() => released);
      return turn;
    };
    const exclusive =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const release = await acquire();
        try {
          return await fn(...args);
        } finally {
          release();
        }
      };
    const q = adapter as Queryable;
    q.queryRaw = exclusive(q.queryRaw.bind(adapter));
    q.executeRaw = exclusive(q.executeRaw.bind(adapter));
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (...args: Parameters<SqliteAdapter["startTransaction"]>) => {
      const release = await acquire();
      try {
        const tx = await startTransaction(...args);
        let ended = false;
        const end = () => {
          if (!ended) release();
          ended = true;
        };
        const commit = tx.commit.bind(tx);
        const rollback = tx.rollback.bind(tx);
        tx.commit = () => commit().finally(end);
        tx.rollback = () => rollback().finally(end);
        return tx;
      } catch (err) {
        release();
        throw err;
      }
    };
    return adapter;
  };
  return factory;
}

