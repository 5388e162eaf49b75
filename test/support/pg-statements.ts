/**
 * Every statement the pg driver sends while `fn` runs: PostgreSQL's round trips, counted by tests that hold the
 * hot path to a budget of them (issue 15).
 */
import pg from "pg";

export async function pgStatementsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const query = Reflect.get(pg.Client.prototype, "query") as (this: pg.Client, ...args: unknown[]) => unknown;
  Reflect.set(pg.Client.prototype, "query", function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text: string };
    sent.push(typeof first === "string" ? first : first.text);
    return query.apply(this, args);
  });
  try {
    await fn();
  } finally {
    Reflect.set(pg.Client.prototype, "query", query);
  }
  return sent;
}
