/**
 * createDb(database) → a Prisma client on the right driver adapter. One generated client per provider (see
 * scripts/prisma.ts); both expose the same models, so the SQLite client's type is the `Db` type everywhere.
 */
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "./generated/sqlite/client";
import { PrismaClient as PostgresClient } from "./generated/postgresql/client";
import { Kysely } from "kysely";
import pg from "pg";
import type { Env } from "../env";
import type { DB } from "./generated/kysely/types";
import { postgresDialect } from "./kysely-pg";
import { sqliteDialect, type SqliteConnectionInfo, type SqliteHandle } from "./kysely-sqlite";
import { attachSql } from "./sql";
import { TRANSACTION_OPTIONS } from "./transactions";
import { createTurns, inTurn } from "./turns";
import { startWalCheckpointer, type WalCheckpointer } from "./wal-checkpointer";

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
  /**
   * Bounds of the hot path's Kysely transactions (server/db/sql.ts), as TRANSACTION_OPTIONS bounds Prisma's:
   * `maxWaitMs` for a lock (PostgreSQL lock_timeout) or the connection's turn (SQLite; the other process's write
   * lock is the busy timeout's), `timeoutMs` for one statement and for an idle gap inside the transaction
   * (PostgreSQL statement_timeout, idle_in_transaction_session_timeout). A stuck lock then fails the message
   * with a 451 that the sender retries, instead of holding its SMTP session and every message queued behind it.
   */
  transactionBounds?: { maxWaitMs: number; timeoutMs: number };
  /**
   * SQLite: WAL checkpoints run on a worker thread with a connection of its own (server/db/wal-checkpointer.ts)
   * instead of inside whichever commit crosses the threshold. For the MTA, whose event loop every SMTP session
   * waits on. The web process keeps SQLite's own checkpoints: its commits are few.
   */
  backgroundCheckpoints?: boolean;
};

export function createDb(database: Env["database"], options: DbOptions = {}): Db {
  const bounds = options.transactionBounds ?? {
    maxWaitMs: TRANSACTION_OPTIONS.maxWait,
    timeoutMs: TRANSACTION_OPTIONS.timeout,
  };
  if (database.provider === "postgresql") {
    // One pool for Prisma and the Kysely hot path; Prisma's $disconnect ends it.
    const pool = new pg.Pool({
      connectionString: database.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
    });
    // An idle connection the server ends (restart, failover, pg_terminate_backend) is dropped from the pool and
    // the next query opens a new one; unhandled, its error would end the process and every session in flight.
    pool.on("error", () => {});
    const client = new PostgresClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) }) as unknown as Db;
    attachSql(client, "postgresql", new Kysely<DB>({ dialect: postgresDialect(pool, bounds) }));
    return client;
  }
  const file = database.url.replace(/^file:/, "");
  const factory = new PrismaBetterSQLite3({ url: file, timeout: options.busyTimeoutMs ?? 10_000 });
  const checkpoints = options.backgroundCheckpoints && file !== ":memory:" ? backgroundCheckpoints(file) : undefined;
  const connection = shareConnection(factory, options, bounds.maxWaitMs, checkpoints?.start);
  const client = new SqliteClient({ adapter: factory });
  if (checkpoints) {
    const disconnect = client.$disconnect.bind(client);
    client.$disconnect = async () => {
      await checkpoints.stop();
      await disconnect();
    };
  }
  const connect = async (): Promise<SqliteConnectionInfo> => {
    await client.$connect();
    return connection;
  };
  attachSql(client, "sqlite", new Kysely<DB>({ dialect: sqliteDialect(connect) }));
  return client;
}

const WAL_AUTOCHECKPOINT_PAGES = 4_000;
/** With background checkpoints, the connection's own threshold: reached only when the worker falls behind (64 MB). */
const WAL_AUTOCHECKPOINT_FALLBACK_PAGES = 16_000;
/**
 * How often the worker checkpoints. At the MTA's rate (some 200 messages a second on two cores, about 45 pages each)
 * a run copies up to some 9,000 pages, below the fallback threshold; a page changed again before the run is copied once.
 */
const BACKGROUND_CHECKPOINT_MS = 1_000;

const setAutocheckpoint = (database: SqliteHandle, pages: number) =>
  database.prepare(`PRAGMA wal_autocheckpoint = ${pages}`).all([]);

/** DbOptions.backgroundCheckpoints: the worker starts once the connection is open (the file exists and is migrated). */
function backgroundCheckpoints(file: string) {
  let checkpointer: WalCheckpointer | undefined;
  return {
    start: (database: SqliteHandle) => {
      // A client connects again after $disconnect: one worker per open connection.
      void checkpointer?.stop();
      setAutocheckpoint(database, WAL_AUTOCHECKPOINT_FALLBACK_PAGES);
      checkpointer = startWalCheckpointer(file, {
        intervalMs: BACKGROUND_CHECKPOINT_MS,
        onFailure: (err) => {
          process.emitWarning(`SQLite WAL checkpoints are back on the committing connection: ${err.message}`);
          try {
            setAutocheckpoint(database, WAL_AUTOCHECKPOINT_PAGES);
          } catch {
            // The connection is closed already: nothing commits on it any more.
          }
        },
      });
    },
    stop: async () => checkpointer?.stop(),
  };
}

type SqliteAdapterFactory = InstanceType<typeof PrismaBetterSQLite3>;
type SqliteAdapter = Awaited<ReturnType<SqliteAdapterFactory["connect"]>>;
type Queryable = Pick<SqliteAdapter, "queryRaw" | "executeRaw">;

/**
 * Prisma's adapter opens the process's one better-sqlite3 connection; this hands it to the Kysely hot path too
 * (server/db/kysely-sqlite.ts), with one set of turns: a transaction of either client holds the connection from
 * BEGIN to COMMIT or ROLLBACK, so neither begins inside the other's.
 *
 * beginImmediate: the adapter opens interactive transactions with a deferred `BEGIN`. With the web and the MTA
 * process writing one file, a transaction that reads first and writes later then fails at once with SQLITE_BUSY
 * ("Operation has timed out") whenever the other process committed in between: SQLite cannot upgrade a stale
 * read snapshot, and the busy timeout does not apply. `BEGIN IMMEDIATE` takes the write lock up front, waiting
 * up to the busy timeout for it, so every transaction sees the latest data and commits. Readers are not blocked
 * (WAL). The wait is synchronous in better-sqlite3, so two such clients in one process would wait on each
 * other: one per process.
 *
 * isolateTransactions: only transactions wait for each other, so a statement outside a transaction would run on
 * the connection while another caller's transaction is open, and so become part of it. A write there (an
 * outbound claim, a lease renewal) resolves as if committed and is then undone when that transaction rolls back
 * (an ingest that ends in 451, say). With this option every statement outside a transaction takes its turn too,
 * first come first served, so neither waits on the other for long.
 */
function shareConnection(
  factory: SqliteAdapterFactory,
  options: DbOptions,
  maxWaitMs: number,
  onOpen?: (database: SqliteHandle) => void,
): Promise<SqliteConnectionInfo> {
  const turns = createTurns();
  let opened!: (info: SqliteConnectionInfo) => void;
  const info = new Promise<SqliteConnectionInfo>((resolve) => (opened = resolve));
  const connect = factory.connect.bind(factory);
  factory.connect = async (): Promise<SqliteAdapter> => {
    const adapter = await connect();
    const database = (adapter as unknown as { client: SqliteHandle }).client;
    // The committing connection checkpoints the WAL into the database file once it holds this many pages.
    // SQLite's default, 1000, is about 25 inbound messages (each writes some 40 pages: rows, their indexes,
    // the search index); a checkpoint copies each page once however often it changed since the last one, so
    // a longer interval copies the hot pages (index ends, the tenant row) less often. 16 MB of WAL at most.
    setAutocheckpoint(database, WAL_AUTOCHECKPOINT_PAGES);
    onOpen?.(database);
    if (options.beginImmediate) {
      const prepare = database.prepare.bind(database);
      database.prepare = (sql: string) => prepare(sql === "BEGIN" ? "BEGIN IMMEDIATE" : sql);
    }
    const isolate = Boolean(options.isolateTransactions);
    if (isolate) {
      const q = adapter as Queryable;
      const query = q.queryRaw.bind(adapter);
      const execute = q.executeRaw.bind(adapter);
      q.queryRaw = (...args) => inTurn(turns, () => query(...args));
      q.executeRaw = (...args) => inTurn(turns, () => execute(...args));
    }
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (...args: Parameters<SqliteAdapter["startTransaction"]>) => {
      const release = await turns.acquire();
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
    opened({ database, turns, isolate, beginImmediate: Boolean(options.beginImmediate), maxWaitMs });
    return adapter;
  };
  return info;
}
