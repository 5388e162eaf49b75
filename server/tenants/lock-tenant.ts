/**
 * The tenant lock: ingestion of a tenant's mail and the actions that must see ingestion's committed state (the
 * Unattributed queue's attribute and block actions) are serialised by a write on the tenant's row, taken
 * before the transaction reads anything (on PostgreSQL a large message's chunks, which read nothing, come first).
 * Ticket numbers, the duplicate check and the per-sender acknowledgement limit then stay exact with several MTA
 * processes: on PostgreSQL a row lock, on SQLite the write lock (waited for by the busy timeout).
 */
import { preparedQuery } from "../db/prepared";
import { sqlOf, type SqlConn } from "../db/sql";

/** What ingestion needs of the tenant, read in the locking statement itself. */
export type LockedTenant = {
  name: string;
  defaultFromAddress: string | null;
  defaultFromName: string | null;
  autoAckEnabled: boolean;
  autoAckSubject: string | null;
  autoAckTemplate: string | null;
  autoAckPerSenderHour: number;
  foldWindowHours: number;
  newTicketsPerSenderHour: number;
  /** The last ticket number given; it cannot change while the lock is held, so the next is this plus one. */
  ticketSeq: number;
};

const lockStatement = preparedQuery((db, p: { tenantId: string }) =>
  db
    .updateTable("Tenant")
    .set((eb) => ({ ticketSeq: eb.ref("ticketSeq") }))
    .where("id", "=", p.tenantId)
    .returning([
      "name",
      "defaultFromAddress",
      "defaultFromName",
      "autoAckEnabled",
      "autoAckSubject",
      "autoAckTemplate",
      "autoAckPerSenderHour",
      "foldWindowHours",
      "newTicketsPerSenderHour",
      "ticketSeq",
    ]),
);

/** Takes the tenant's lock (before the transaction's first read). Null when the tenant no longer exists. */
export async function lockTenant(tx: SqlConn, tenantId: string): Promise<LockedTenant | null> {
  const row = await lockStatement.first(sqlOf(tx), { tenantId });
  if (!row) return null;
  // A RETURNING column has no declared type on SQLite: the boolean comes back as 0 or 1 there.
  return { ...row, autoAckEnabled: Boolean(Number(row.autoAckEnabled)), ticketSeq: Number(row.ticketSeq) };
}
