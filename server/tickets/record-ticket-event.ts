/**
 * The audit trail of a ticket (R-UX-3): status, assignee, client and merge changes, each one row written by the
 * domain function that makes the change, inside the same transaction, so a change without its event (or an event
 * without its change) cannot be committed.
 */
import { z } from "zod";
import { newRowId } from "../db/raw-sql";
import { deferWrite } from "../db/prepared";
import { sqlOf, type SqlConn } from "../db/sql";

export const ticketEventKinds = ["STATUS", "ASSIGNEE", "CLIENT", "MERGED_INTO", "MERGED_FROM"] as const;
export const ticketEventKind = z.enum(ticketEventKinds);
export type TicketEventKind = z.infer<typeof ticketEventKind>;

export type TicketEventInput = {
  tenantId: string;
  ticketId: string;
  /** The signed-in user who made the change; null for the gateway itself. */
  actorId: string | null;
  kind: TicketEventKind;
  /** What it was and what it became, as people read it (a status, a name, a ticket number). */
  from: string | null;
  to: string | null;
};

/** Records changes in one statement; a "change" to the same value is not one and records nothing. */
export async function recordTicketEvents(tx: SqlConn, events: readonly TicketEventInput[]): Promise<void> {
  const changes = events.filter((e) => e.from !== e.to);
  if (!changes.length) return;
  const createdAt = new Date();
  const sql = sqlOf(tx);
  // Deferred (server/db/deferred-writes.ts): it goes with the transaction's next statement on PostgreSQL.
  await deferWrite(
    sql,
    sql.insertInto("TicketEvent").values(
      changes.map((e) => ({
        id: newRowId(),
        createdAt,
        tenantId: e.tenantId,
        ticketId: e.ticketId,
        actorId: e.actorId,
        kind: ticketEventKind.parse(e.kind),
        fromValue: e.from,
        toValue: e.to,
      })),
    ),
  );
}
