/**
 * Kysely on the process's pg pool, the one Prisma's adapter uses too (server/db/client.ts). Values are bound and
 * read as Prisma stores them in `timestamp(3)` columns (no time zone, UTC): a Date is bound as ISO text, whose
 * zone PostgreSQL drops for such a column, and read back as UTC, whatever the process's time zone.
 *
 * Every transaction begins with its bounds (DbOptions.transactionBounds), sent with BEGIN in one round trip:
 * a lock held elsewhere (the tenant's row, say) fails the waiting statement after lock_timeout, a runaway
 * statement after statement_timeout, and a transaction left open by a stalled caller is ended by the server.
 *
 * Inside a transaction, writes marked deferred wait for the next statement or the COMMIT and go with it as one
 * statement (server/db/deferred-writes.ts), and BEGIN waits for the transaction's first statement: BEGIN with
 * the tenant lock, and the writes with COMMIT, are then one simple query each (server/db/pg-inline.ts). An
 * inbound message is three round trips where it was thirteen, fewer of them while the tenant's lock is held.
 */
import pg from "pg";
import {
  CompiledQuery,
  PostgresDialect,
  PostgresDriver,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import { isDeferredWrite, joinDeferredWrites } from "./deferred-writes";
import { inlineStatements } from "./pg-inline";

const TIMESTAMP = 1114;
const parseTimestamp = (text: string) => new Date(`${text.replace(" ", "T")}Z`);
type Parser = (text: string) => unknown;
const types = {
  getTypeParser: (oid: number, format?: "text" | "binary"): Parser =>
    oid === TIMESTAMP && format !== "binary" ? parseTimestamp : (pg.types.getTypeParser(oid) as Parser),
};

const bindValue = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value);

export type PostgresBounds = { maxWaitMs: number; timeoutMs: number };

/**
 * A checked-out connection that, inside a transaction, keeps deferred writes and the BEGIN itself until a
 * statement needs an answer, then sends them with it (see the file comment); as one simple query when their
 * values can be written as literals (server/db/pg-inline.ts), else one by one.
 */
class DeferringConnection implements DatabaseConnection {
  #pending: CompiledQuery[] = [];
  /** BEGIN and the transaction's bounds, not sent yet. */
  #begin: CompiledQuery | null = null;
  inTransaction = false;
  constructor(readonly inner: DatabaseConnection) {}

  /** The transaction starts with `begin`, sent with its first statement that needs an answer. */
  startTransaction(begin: CompiledQuery): void {
    this.#begin = begin;
    this.inTransaction = true;
  }

  /** Whether anything of the transaction reached the server (else ROLLBACK has nothing to end). */
  get started(): boolean {
    return this.#begin === null;
  }

  /** Nothing sent and nothing to send: COMMIT has nothing to end either. */
  get empty(): boolean {
    return this.#begin !== null && this.#pending.length === 0;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.inTransaction && isDeferredWrite(query)) {
      this.#pending.push(query);
      return { rows: [] };
    }
    const before = this.#takeBefore();
    if (!before.length) return this.inner.executeQuery<R>(query);
    const together = inlineStatements([...before, query]);
    if (together !== null) return this.inner.executeQuery<R>(CompiledQuery.raw(together));
    for (const statement of before) await this.inner.executeQuery(statement);
    return this.inner.executeQuery<R>(query);
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    for (const statement of this.#takeBefore()) await this.inner.executeQuery(statement);
    yield* this.inner.streamQuery<R>(query, chunkSize);
  }

  /** What must reach the server before the next statement: BEGIN, then the deferred writes, joined. */
  #takeBefore(): CompiledQuery[] {
    const before = [...(this.#begin ? [this.#begin] : []), ...joinDeferredWrites(this.#pending)];
    this.#begin = null;
    this.#pending = [];
    return before;
  }

  discard(): void {
    this.#pending = [];
    this.#begin = null;
    this.inTransaction = false;
  }
}

/** PostgresDriver's own connection behind ours (its release and discard go by private symbols). */
type DriverConnection = Parameters<PostgresDriver["releaseConnection"]>[0];
const innerOf = (connection: DatabaseConnection) =>
  (connection instanceof DeferringConnection ? connection.inner : connection) as DriverConnection;

class BoundedDriver extends PostgresDriver {
  readonly #begin: CompiledQuery;
  readonly #bounds: CompiledQuery;
  constructor(config: ConstructorParameters<typeof PostgresDriver>[0], bounds: PostgresBounds) {
    super(config);
    const ms = (n: number) => Math.max(1, Math.round(n));
    const set =
      `SET LOCAL lock_timeout = ${ms(bounds.maxWaitMs)}; SET LOCAL statement_timeout = ${ms(bounds.timeoutMs)}; ` +
      `SET LOCAL idle_in_transaction_session_timeout = ${ms(bounds.timeoutMs)}`;
    // Without parameters pg sends this as one simple query: several statements, one round trip.
    this.#begin = CompiledQuery.raw(`BEGIN; ${set}`);
    this.#bounds = CompiledQuery.raw(set);
  }
  override async acquireConnection(
    ...args: Parameters<PostgresDriver["acquireConnection"]>
  ): Promise<DatabaseConnection> {
    return new DeferringConnection(await super.acquireConnection(...args));
  }
  override async releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (connection instanceof DeferringConnection) connection.discard();
    await super.releaseConnection(innerOf(connection));
  }
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const inner = innerOf(connection);
    if (settings.isolationLevel || settings.accessMode) {
      await super.beginTransaction(inner, settings);
      await inner.executeQuery(this.#bounds);
      if (connection instanceof DeferringConnection) connection.inTransaction = true;
    } else if (connection instanceof DeferringConnection) {
      connection.startTransaction(this.#begin);
    } else {
      await inner.executeQuery(this.#begin);
    }
  }
  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    if (!(connection instanceof DeferringConnection)) return super.commitTransaction(connection);
    if (connection.empty) {
      connection.discard();
      return;
    }
    // COMMIT goes with the deferred writes before it (one round trip when they can be inlined).
    const { rows } = await connection.executeQuery<{ command?: string }>(CompiledQuery.raw("commit"));
    connection.discard();
    // PostgreSQL completes COMMIT with a ROLLBACK tag when an earlier error left the transaction aborted.
    if (rows[0]?.command === "ROLLBACK")
      throw new Error("the transaction was aborted by an earlier error and rolled back");
  }
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (connection instanceof DeferringConnection) {
      const started = connection.started;
      connection.discard();
      if (!started) return;
    }
    await super.rollbackTransaction(innerOf(connection));
  }
}

/** The pool as Kysely's PostgresDialect uses it: connect, query, release (ending the pool is Prisma's). */
export function postgresDialect(pool: pg.Pool, bounds: PostgresBounds): PostgresDialect {
  const config = {
    pool: {
      connect: async () => {
        const client = await pool.connect();
        // While checked out, a client has no pool listener: a connection lost between two statements of a
        // transaction would be an uncaught 'error' and end the process. Its next query fails instead (→ 451).
        const lost = () => {};
        client.on("error", lost);
        return {
          // Several statements in one simple query answer with a result each: the last is the caller's.
          query: async (text: string, values: readonly unknown[]) => {
            const result = (await client.query({ text, values: values.map(bindValue), types })) as
              pg.QueryResult | pg.QueryResult[];
            return Array.isArray(result) ? result[result.length - 1] : result;
          },
          release: (err?: boolean | Error) => {
            client.removeListener("error", lost);
            client.release(err);
          },
        };
      },
      end: async () => {},
    } as unknown as pg.Pool,
  };
  return new (class extends PostgresDialect {
    override createDriver(): Driver {
      return new BoundedDriver(config, bounds);
    }
  })(config);
}
