/**
 * Kysely on the process's pg pool, the one Prisma's adapter uses too (server/db/client.ts). Values are bound and
 * read as Prisma stores them in `timestamp(3)` columns (no time zone, UTC): a Date is bound as ISO text, whose
 * zone PostgreSQL drops for such a column, and read back as UTC, whatever the process's time zone.
 */
import pg from "pg";
import { PostgresDialect, type Dialect } from "kysely";

const TIMESTAMP = 1114;
const parseTimestamp = (text: string) => new Date(`${text.replace(" ", "T")}Z`);
type Parser = (text: string) => unknown;
const types = {
  getTypeParser: (oid: number, format?: "text" | "binary"): Parser =>
    oid === TIMESTAMP && format !== "binary" ? parseTimestamp : (pg.types.getTypeParser(oid) as Parser),
};

const bindValue = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value);

/** The pool as Kysely's PostgresDialect uses it: connect, query, release (ending the pool is Prisma's). */
export function postgresDialect(pool: pg.Pool): Dialect {
  return new PostgresDialect({
    pool: {
      connect: async () => {
        const client = await pool.connect();
        // While checked out, a client has no pool listener: a connection lost between two statements of a
        // transaction would be an uncaught 'error' and end the process. Its next query fails instead (→ 451).
        const lost = () => {};
        client.on("error", lost);
        return {
          query: (text: string, values: readonly unknown[]) => client.query({ text, values: values.map(bindValue), types }),
          release: (err?: boolean | Error) => {
            client.removeListener("error", lost);
            client.release(err);
          },
        };
      },
      end: async () => {},
    } as unknown as pg.Pool,
  });
}
