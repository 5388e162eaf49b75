/**
 * The tenant lock: ingestion of a tenant's mail and the actions that must see ingestion's committed state (the
 * Unattributed queue's attribute and block actions) are serialised by a write on the tenant's row, taken as
 * the transaction's first statement. Ticket numbers, the duplicate check and the per-sender acknowledgement
 * limit then stay exact with several MTA processes: on PostgreSQL a row lock, on SQLite the write lock (waited
 * for by the busy timeout).
 */
import type { Tx } from "../db/client";
import { sqlBoolean } from "../db/raw-sql";

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
};

/** Takes the tenant's lock (must be the transaction's first statement). Null when the tenant no longer exists. */
export async function lockTenant(tx: Tx, tenantId: string): Promise<LockedTenant | null> {
  type Row = Omit<LockedTenant, "autoAckEnabled" | "autoAckPerSenderHour" | "foldWindowHours" | "newTicketsPerSenderHour"> & {
    autoAckEnabled: boolean | number | bigint;
    autoAckPerSenderHour: number | bigint;
    foldWindowHours: number | bigint;
    newTicketsPerSenderHour: number | bigint;
  };
  const rows = await tx.$queryRaw<Row[]>`UPDATE "Tenant" SET "ticketSeq" = "ticketSeq" WHERE "id" = ${tenantId}
    RETURNING "name", "defaultFromAddress", "defaultFromName", "autoAckEnabled", "autoAckSubject", "autoAckTemplate",
      "autoAckPerSenderHour", "foldWindowHours", "newTicketsPerSenderHour"`;
  const row = rows[0];
  if (!row) return null;
  // SQLite returns booleans and integers as numbers (or bigints); PostgreSQL as booleans and numbers.
  return {
    ...row,
    autoAckEnabled: sqlBoolean(row.autoAckEnabled),
    autoAckPerSenderHour: Number(row.autoAckPerSenderHour),
    foldWindowHours: Number(row.foldWindowHours),
    newTicketsPerSenderHour: Number(row.newTicketsPerSenderHour),
  };
}
