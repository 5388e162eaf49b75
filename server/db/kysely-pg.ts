/**
 * Kysely on the process's pg pool, the one Prisma's adapter uses too (server/db/client.ts). Values are bound and
 * read as Prisma stores them in `timestamp(3)` columns (no time zone, UTC): a Date is bound as ISO text, whose
 * zone PostgreSQL drops for such a column, and read back as UTC, whatever the process's time zone.
 *
 * Every transaction begins with its bounds (DbOptions.transactionBounds), sent with BEGIN in one round trip:
 * a lock held elsewhere (the tenant's row, say) fails the waiting statement after lock_timeout, a runaway
 * statement after statement_timeout, and a transaction left open by a stalled caller is ended by the server.
 */
import pg from "pg";
import {
  CompiledQuery,
  PostgresDialect,
  PostgresDriver,
  type DatabaseConnection,
  type Driver,
  type TransactionSettings,
} from "kysely";

const TIMESTAMP = 1114;
const parseTimestamp = (text: string) => new Date(`${text.replace(" ", "T")}Z`);
type Parser = (text: string) => unknown;
const types = {
  getTypeParser: (oid: number, format?: "text" | "binary"): Parser =>
    oid === TIMESTAMP && format !== "binary" ? parseTimestamp : (pg.types.getTypeParser(oid) as Parser),
};

const bindValue = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value);

export type PostgresBounds = { maxWaitMs: number; timeoutMs: number };

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
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel || settings.accessMode) {
      await super.beginTransaction(connection, settings);
      await connection.executeQuery(this.#bounds);
      return;
    }
    await connection.executeQuery(this.#begin);
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
