/**
 * Issue 15 item 7: a periodic job (health checks, purges, the sending-domain re-check) runs in one process across
 * every MTA node that shares the database, not once per node: before each run a process takes the job's lease
 * (a JobLease row), or renews it when it already holds it; while another live process holds it, the run is
 * skipped. A process that stops hands the lease back at once; one that dies loses it when it expires, and
 * another node takes the job over at its next run.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { isUniqueViolation } from "../clients/prisma-errors";
import type { Db } from "../db/client";

export type JobLease = {
  /** True when this process may run the job now: it took the lease, or renewed the one it holds. */
  acquire(): Promise<boolean>;
  /** Hands the lease back (on stop), so another node need not wait for it to expire. */
  release(): Promise<void>;
};

/** Names this process in leases: readable in the table, unique even for two processes with one pid. */
export function leaseHolderName(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

export function jobLease(db: Db, name: string, options: { holder: string; leaseMs: number; now?: () => Date }): JobLease {
  const now = options.now ?? (() => new Date());
  const { holder, leaseMs } = options;
  return {
    async acquire() {
      const at = now();
      const leasedUntil = new Date(at.getTime() + leaseMs);
      // A conditional update is atomic on both databases: of two processes racing for an expired lease, the second
      // finds it no longer expired (PostgreSQL re-checks the row after waiting on the first's lock).
      const { count } = await db.jobLease.updateMany({
        where: { name, OR: [{ holder }, { leasedUntil: { lt: at } }] },
        data: { holder, leasedUntil },
      });
      if (count) return true;
      try {
        await db.jobLease.create({ data: { name, holder, leasedUntil } });
        return true;
      } catch (err) {
        // The row exists: held by another process (or it was made by one a moment ago).
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },
    async release() {
      await db.jobLease.updateMany({ where: { name, holder }, data: { leasedUntil: new Date(0) } });
    },
  };
}
