/**
 * Kysely over a Prisma client or interactive transaction, for the few writers that the hot path shares with
 * code still on the model API (an activity row, a ticket event, an enqueued message written inside a Prisma
 * transaction): the same typed statement runs in whichever transaction the caller holds. Each statement goes
 * through `$queryRawUnsafe`/`$executeRawUnsafe` with bound values, so it costs what a Prisma raw statement
 * costs; the hot path itself runs on the direct driver (server/db/sql.ts).
 */
import {
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
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
import type { Tx } from "./client";

function returnsRows(query: CompiledQuery): boolean {
  const node = query.query as { kind: string; returning?: unknown };
  return node.kind === "SelectQueryNode" || node.kind === "RawNode" || Boolean(node.returning);
}

/** SQLite integers may come back as bigint through Prisma's raw API; the generated types say number. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  for (const key in row) if (typeof row[key] === "bigint") row[key] = Number(row[key]);
  return row;
}

class PrismaConnection implements DatabaseConnection {
  constructor(private readonly tx: Tx) {}
  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (returnsRows(query)) {
      const rows = await this.tx.$queryRawUnsafe<Record<string, unknown>[]>(query.sql, ...query.parameters);
      return { rows: rows.map(plain) as R[] };
    }
    const changes = await this.tx.$executeRawUnsafe(query.sql, ...query.parameters);
    return { rows: [], numAffectedRows: BigInt(changes) };
  }
  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming is not supported over Prisma");
  }
}

class PrismaDriver implements Driver {
  constructor(private readonly tx: Tx) {}
  async init(): Promise<void> {}
  acquireConnection(): Promise<DatabaseConnection> {
    return Promise.resolve(new PrismaConnection(this.tx));
  }
  beginTransaction(): Promise<void> {
    return Promise.reject(new Error("a transaction over Prisma is opened with Prisma's $transaction"));
  }
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

export function prismaDialect(tx: Tx, provider: "sqlite" | "postgresql"): Dialect {
  const sqlite = provider === "sqlite";
  return {
    createAdapter: () => (sqlite ? new SqliteAdapter() : new PostgresAdapter()),
    createDriver: () => new PrismaDriver(tx),
    createIntrospector: (db: Kysely<unknown>) => (sqlite ? new SqliteIntrospector(db) : new PostgresIntrospector(db)),
    createQueryCompiler: () => (sqlite ? new SqliteQueryCompiler() : new PostgresQueryCompiler()),
  };
}
