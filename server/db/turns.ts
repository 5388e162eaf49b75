/**
 * First come, first served turns on one SQLite connection. The MTA's Prisma client and its Kysely hot path share
 * the process's one better-sqlite3 connection (server/db/client.ts); a transaction on it, from BEGIN to COMMIT
 * or ROLLBACK, holds the turn, so neither client's transaction can begin inside the other's.
 */
export type Turns = { acquire(): Promise<() => void> };

export function createTurns(): Turns {
  let tail: Promise<void> = Promise.resolve();
  return {
    /** Resolves with the release function once every earlier holder has released. */
    acquire(): Promise<() => void> {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const turn = tail.then(() => release);
      tail = tail.then(() => released);
      return turn;
    },
  };
}

/** `fn` in its own turn. */
export async function inTurn<R>(turns: Turns, fn: () => Promise<R>): Promise<R> {
  const release = await turns.acquire();
  try {
    return await fn();
  } finally {
    release();
  }
}
