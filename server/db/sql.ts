/**
 * The typed SQL hot path (Kysely, types generated from prisma/schema.prisma by prisma-kysely on `npm install`):
 * the per-message inbound transaction and the outbound claim and record. Prisma's model API costs about 0.5 ms
 * of CPU per statement and its raw API about 0.2 ms (`npm run bench ingest-cpu`); the same statement on the
 * driver through Kysely, prepared once and reused, costs a few microseconds. Everything else keeps Prisma.
 *
 * `sqlOf(db)` is the Kysely for a client made by createDb (the same SQLite connection or PostgreSQL pool as its
 * Prisma client, see server/db/client.ts), a Kysely transaction as it is, or — for a writer shared with code
 * that holds a Prisma interactive transaction — Kysely over that transaction (server/db/kysely-prisma.ts).
 */
import { Kysely } from "kysely";
import type { DB } from "./generated/kysely/types";
import type { Db, Tx } from "./client";
import { prismaDialect } from "./kysely-prisma";

export type { DB } from "./generated/kysely/types";
/** A Kysely client or transaction on the gateway's database. */
export type Sql = Kysely<DB>;
/** What hot-path functions take: a Kysely transaction, or a Prisma client or transaction (see sqlOf). */
export type SqlConn = Db | Tx | Sql;

const direct = new WeakMap<object, Sql>();
const providers = new WeakMap<object, "sqlite" | "postgresql">();
const overPrisma = new WeakMap<object, Sql>();

/** Called by createDb: the client's Kysely on the same connection or pool. */
export function attachSql(db: Db, provider: "sqlite" | "postgresql", sql: Sql): void {
  direct.set(db, sql);
  providers.set(db, provider);
}

/** The database provider of a client or of one of its transactions (what Prisma names it, for one made elsewhere). */
export function providerOf(db: object): "sqlite" | "postgresql" {
  const known = providers.get(db);
  if (known) return known;
  const active = (db as unknown as { _activeProvider?: string })._activeProvider;
  return active === "postgresql" || active === "postgres" ? "postgresql" : "sqlite";
}

export function sqlOf(db: SqlConn): Sql {
  if (db instanceof Kysely) return db;
  const attached = direct.get(db);
  if (attached) return attached;
  let sql = overPrisma.get(db);
  if (!sql) {
    sql = new Kysely<DB>({ dialect: prismaDialect(db, providerOf(db)) });
    overPrisma.set(db, sql);
  }
  return sql;
}

/** Runs `fn` in one Kysely transaction on `db`'s connection (see sqlOf). */
export function sqlTransaction<R>(db: Db | Sql, fn: (trx: Sql) => Promise<R>): Promise<R> {
  return sqlOf(db).transaction().execute(fn);
}
