/**
 * Kysely on the process's better-sqlite3 connection, the one Prisma's adapter opened (server/db/client.ts), so
 * the hot path and the model API never wait on each other's write lock in one process. Per connection:
 *   - prepared statements are kept by SQL text and reused (the compiled hot-path statements are few and fixed);
 *   - values are bound as Prisma's adapter binds them: Date as ISO text (`…+00:00`), booleans as 1 and 0;
 *   - DATETIME and BOOLEAN columns are read back as Date and boolean, integers as numbers, so rows have the same
 *     shape as on PostgreSQL and as the generated types (server/db/generated/kysely) say;
 *   - a transaction holds the connection's turn (server/db/turns.ts) from BEGIN to COMMIT or ROLLBACK; with
 *     `isolate`, statements outside a transaction take turns too (see isolateTransactions in client.ts);
 *   - a transaction waits for its turn at most `maxWaitMs` (then UNAVAILABLE: the MTA answers 451), and for
 *     another process's write lock at most the connection's busy timeout, as Prisma's transactions do.
 */
import {
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from "kysely";
import { inTurn, type Turns } from "./turns";

/** The part of better-sqlite3's Database and Statement used here. */
type Statement = {
  reader: boolean;
  safeIntegers(on: boolean): Statement;
  columns(): { name: string; type: string | null }[];
  all(params: unknown[]): Record<string, unknown>[];
  run(params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
};
export type SqliteHandle = { prepare(sql: string): Statement };

export type SqliteConnectionInfo = {
  database: SqliteHandle;
  turns: Turns;
  isolate: boolean;
  beginImmediate: boolean;
  /** How long a transaction waits for its turn on the connection (TRANSACTION_OPTIONS.maxWait by default). */
  maxWaitMs: number;
};

type Prepared = { stmt: Statement; convert: [string, (v: unknown) => unknown][] };

/** Statements kept per connection; past this many distinct SQL texts the cache starts over. */
const MAX_STATEMENTS = 500;

function bindValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace("Z", "+00:00");
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

/** SQLite's own CURRENT_TIMESTAMP default is "YYYY-MM-DD HH:MM:SS" in UTC; what Prisma writes is ISO text. */
function readDate(value: unknown): unknown {
  if (typeof value === "number" || typeof value === "bigint") return new Date(Number(value));
  if (typeof value !== "string") return value;
  return new Date(value.includes("T") ? value : `${value.replace(" ", "T")}Z`);
}

const readBoolean = (value: unknown): unknown => (value === null ? null : Boolean(Number(value)));

class Statements {
  readonly #cache = new Map<string, Prepared>();
  constructor(readonly info: SqliteConnectionInfo) {}

  prepare(sql: string): Prepared {
    let prepared = this.#cache.get(sql);
    if (prepared) return prepared;
    const stmt = this.info.database.prepare(sql).safeIntegers(false);
    const convert: Prepared["convert"] = [];
    if (stmt.reader) {
      for (const column of stmt.columns()) {
        const type = column.type?.toUpperCase();
        if (type === "DATETIME") convert.push([column.name, readDate]);
        else if (type === "BOOLEAN") convert.push([column.name, readBoolean]);
      }
    }
    prepared = { stmt, convert };
    if (this.#cache.size >= MAX_STATEMENTS) this.#cache.clear();
    this.#cache.set(sql, prepared);
    return prepared;
  }

  execute<R>(query: CompiledQuery): QueryResult<R> {
    const { stmt, convert } = this.prepare(query.sql);
    const params = query.parameters.map(bindValue);
    if (!stmt.reader) {
      const { changes, lastInsertRowid } = stmt.run(params);
      return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
    }
    const rows = stmt.all(params);
    if (convert.length) {
      for (const row of rows) for (const [name, fn] of convert) if (name in row) row[name] = fn(row[name]);
    }
    return { rows: rows as R[] };
  }
}

class Connection implements DatabaseConnection {
  /** Set while this connection holds a transaction's turn. */
  release: (() => void) | null = null;
  constructor(readonly statements: Statements) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { info } = this.statements;
    if (this.release || !info.isolate) return this.statements.execute<R>(query);
    return inTurn(info.turns, () => Promise.resolve(this.statements.execute<R>(query)));
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming is not supported on this connection");
  }

  run(sql: string): void {
    this.statements.prepare(sql).stmt.run([]);
  }
}

class SqliteTurnDriver implements Driver {
  #statements: Statements | null = null;
  constructor(private readonly connect: () => Promise<SqliteConnectionInfo>) {}

  async init(): Promise<void> {
    this.#statements = new Statements(await this.connect());
  }
  acquireConnection(): Promise<DatabaseConnection> {
    if (!this.#statements) return Promise.reject(new Error("the SQLite connection is not open"));
    return Promise.resolve(new Connection(this.#statements));
  }
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as Connection;
    const release = await c.statements.info.turns.acquire(c.statements.info.maxWaitMs);
    try {
      c.run(c.statements.info.beginImmediate ? "BEGIN IMMEDIATE" : "BEGIN");
      c.release = release;
    } catch (err) {
      release();
      throw err;
    }
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#end(connection as Connection, "COMMIT");
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#end(connection as Connection, "ROLLBACK");
  }
  #end(c: Connection, sql: string): Promise<void> {
    // Kysely rolls back after a failed COMMIT, which ended the transaction already and gave up its turn: another
    // caller's transaction may hold the connection by now.
    if (!c.release) return Promise.resolve();
    try {
      c.run(sql);
    } catch (err) {
      // A failed COMMIT (SQLITE_BUSY, say) leaves the transaction open: end it before the turn passes on.
      if (sql === "COMMIT") c.run("ROLLBACK");
      throw err;
    } finally {
      c.release?.();
      c.release = null;
    }
    return Promise.resolve();
  }
  async releaseConnection(): Promise<void> {}
  destroy(): Promise<void> {
    this.#statements = null;
    return Promise.resolve();
  }
}

export function sqliteDialect(connect: () => Promise<SqliteConnectionInfo>): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new SqliteTurnDriver(connect),
    createIntrospector: (db: Kysely<unknown>) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}
