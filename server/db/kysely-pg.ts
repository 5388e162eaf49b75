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
 * statement (server/db/deferred-writes.ts): fewer round trips while the tenant's lock is held.
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

const TIMESTAMP = 1114;
const parseTimestamp = (text: string) => new Date(`${text.replace(" ", "T")}Z`);
type Parser = (text: string) => unknown;
const types = {
  getTypeParser: (oid: number, format?: "text" | "binary"): Parser =>
    oid === TIMESTAMP && format !== "binary" ? parseTimestamp : (pg.types.getTypeParser(oid) as Parser),
};

const bindValue = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value);

export type PostgresBounds = { maxWaitMs: number; timeoutMs: number };

/** A checked-out connection that keeps deferred writes while a transaction is open (see the file comment). */
class DeferringConnection implements DatabaseConnection {
  #pending: CompiledQuery[] = [];
  inTransaction = false;
  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.inTransaction && isDeferredWrite(query)) {
      this.#pending.push(query);
      return { rows: [] };
    }
    await this.flush();
    return this.inner.executeQuery<R>(query);
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    await this.flush();
    yield* this.inner.streamQuery<R>(query, chunkSize);
  }

  /** Sends the deferred writes; the first that fails rejects, and the transaction is then rolled back whole. */
  async flush(): Promise<void> {
    if (!this.#pending.length) return;
    const writes = this.#pending;
    this.#pending = [];
    for (const statement of joinDeferredWrites(writes)) await this.inner.executeQuery(statement);
  }

  discard(): void {
    this.#pending = [];
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
    } else {
      await inner.executeQuery(this.#begin);
    }
    if (connection instanceof DeferringConnection) connection.inTransaction = true;
  }
  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    if (connection instanceof DeferringConnection) {
      await connection.flush();
      connection.inTransaction = false;
    }
    await super.commitTransaction(innerOf(connection));
  }
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (connection instanceof DeferringConnection) connection.discard();
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
          query: (text: string, values: readonly unknown[]) =>
            client.query({ text, values: values.map(bindValue), types }),
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
