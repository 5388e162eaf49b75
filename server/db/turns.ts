/**
 * First come, first served turns on one SQLite connection. The MTA's Prisma client and its Kysely hot path share
 * the process's one better-sqlite3 connection (server/db/client.ts); a transaction on it, from BEGIN to COMMIT
 * or ROLLBACK, holds the turn, so neither client's transaction can begin inside the other's.
 */
import { AppError } from "../errors";

export type Turns = {
  /**
   * Resolves with the release function once every earlier holder has released. With `maxWaitMs`, rejects
   * (UNAVAILABLE) when the turn has not come by then; the turn, when it comes, is then passed straight on.
   */
  acquire(maxWaitMs?: number): Promise<() => void>;
};

export function createTurns(): Turns {
  let tail: Promise<void> = Promise.resolve();
  return {
    acquire(maxWaitMs?: number): Promise<() => void> {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const turn = tail.then(() => release);
      tail = tail.then(() => released);
      if (maxWaitMs === undefined) return turn;
      return new Promise((resolve, reject) => {
        let late = false;
        const timer = setTimeout(() => {
          late = true;
          reject(new AppError("UNAVAILABLE", `the database connection stayed busy for ${maxWaitMs} ms`));
        }, maxWaitMs);
        void turn.then((r) => {
          clearTimeout(timer);
          if (late) r();
          else resolve(r);
        });
      });
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
