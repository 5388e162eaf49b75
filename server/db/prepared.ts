/**
 * Hot-path statements built and compiled once per SQL dialect, then run with each call's values. Building a
 * Kysely query (immutable operation nodes, frozen at every step) and compiling it to SQL costs tens of
 * microseconds per statement, more than better-sqlite3 takes to run a prepared one; the per-message inbound
 * transaction runs about a dozen, always of the same shapes. A prepared query is written as any Kysely query,
 * with `p.name` wherever a value goes; the placeholders it compiles to are filled in from `params` per call.
 *
 * Only for statements of a fixed shape: a value that changes the SQL (an `in` list, an optional column, a
 * `null` compared with `=`) must stay a built query (or one prepared query per shape).
 */
import type { Compilable, CompiledQuery, QueryResult } from "kysely";
import { deferredWrite } from "./deferred-writes";
import type { Sql } from "./sql";

/** What `p.name` is while the query is built: a value the compiler puts among the parameters as it is. */
class Placeholder {
  constructor(readonly name: string) {}
}

type Template = { compiled: CompiledQuery; slots: (string | null)[] };

export type PreparedQuery<P, O> = {
  /** Every row (for a write, those of its RETURNING clause). */
  all(db: Sql, params: P): Promise<O[]>;
  /** The first row, or undefined. */
  first(db: Sql, params: P): Promise<O | undefined>;
  /** Runs it: for a write without RETURNING, numAffectedRows says how many rows it changed. */
  run(db: Sql, params: P): Promise<QueryResult<O>>;
  /**
   * A write whose result nobody reads: on PostgreSQL, inside a transaction, it goes with the transaction's next
   * statement or COMMIT (server/db/deferred-writes.ts); elsewhere it runs at once.
   */
  defer(db: Sql, params: P): Promise<void>;
  /** The statement with these values, for readTogether (server/db/read-together.ts). */
  bind(db: Sql, params: P): CompiledQuery<O>;
};

export function preparedQuery<P extends Record<string, unknown>, O>(
  build: (db: Sql, p: P) => Compilable<O>,
): PreparedQuery<P, O> {
  // One template per dialect (its adapter's class): SQLite and PostgreSQL quote and number parameters apart.
  const templates = new Map<unknown, Template>();
  const placeholders = new Proxy({} as P, { get: (_, name) => new Placeholder(String(name)) });

  function compiled(db: Sql, params: P): CompiledQuery<O> {
    const dialect = db.getExecutor().adapter.constructor;
    let template = templates.get(dialect);
    if (!template) {
      const compiledQuery = build(db, placeholders).compile() as CompiledQuery;
      const slots = compiledQuery.parameters.map((v) => (v instanceof Placeholder ? v.name : null));
      template = { compiled: compiledQuery, slots };
      templates.set(dialect, template);
    }
    const { compiled: query, slots } = template;
    const parameters = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const name = slots[i] ?? null;
      if (name === null) {
        parameters[i] = query.parameters[i];
        continue;
      }
      const value = params[name];
      // A missing value would bind as NULL (or fail in the driver): name it instead.
      if (value === undefined) throw new Error(`prepared query: no value for "${name}"`);
      parameters[i] = value;
    }
    return { ...query, parameters };
  }

  return {
    all: async (db, params) => (await db.executeQuery(compiled(db, params))).rows,
    first: async (db, params) => (await db.executeQuery(compiled(db, params))).rows[0],
    run: (db, params) => db.executeQuery(compiled(db, params)),
    defer: async (db, params) => {
      await db.executeQuery(deferredWrite(compiled(db, params)));
    },
    bind: compiled,
  };
}

/** A built write (values bound as parameters) whose result nobody reads: see PreparedQuery.defer. */
export async function deferWrite(db: Sql, query: Compilable): Promise<void> {
  await db.executeQuery(deferredWrite(query.compile()));
}

/**
 * `{ column: p.column }` for every listed column: an insert's values object, whose keys Kysely reads (the
 * placeholders object has none of its own).
 */
export function columnsOf<P, K extends keyof P & string>(p: P, columns: readonly K[]): Pick<P, K> {
  const values = {} as Pick<P, K>;
  for (const column of columns) values[column] = p[column];
  return values;
}

export type PreparedListQuery<P, T, O> = {
  all(db: Sql, params: P, list: readonly T[]): Promise<O[]>;
  bind(db: Sql, params: P, list: readonly T[]): CompiledQuery<O>;
};

/**
 * A query with an `in` list: one prepared query per length of the list, built on first use (the lists on the
 * hot path are short and bounded: a domain's parents, a message's most recent references).
 */
export function preparedListQuery<P extends Record<string, unknown>, T, O>(
  build: (db: Sql, p: P, list: T[]) => Compilable<O>,
): PreparedListQuery<P, T, O> {
  const byLength = new Map<number, PreparedQuery<Record<string, unknown>, O>>();
  function forLength(n: number): PreparedQuery<Record<string, unknown>, O> {
    let query = byLength.get(n);
    if (!query) {
      query = preparedQuery((qb, p: Record<string, unknown>) =>
        build(
          qb,
          p as P,
          Array.from({ length: n }, (_, i) => p[`#${i}`] as T),
        ),
      );
      byLength.set(n, query);
    }
    return query;
  }
  function valuesOf(params: P, list: readonly T[]): Record<string, unknown> {
    const values: Record<string, unknown> = { ...params };
    list.forEach((item, i) => (values[`#${i}`] = item));
    return values;
  }
  return {
    all: (db, params, list) => forLength(list.length).all(db, valuesOf(params, list)),
    bind: (db, params, list) => forLength(list.length).bind(db, valuesOf(params, list)),
  };
}
