/**
 * The ticket a received message goes on (R-IN-4…7, R-AUTO-1/2): an existing one it threads or folds into —
 * reopened when a person writes on a closed or pending ticket, closed when an alert rule's recovery mail says so —
 * or a new one numbered in the tenant's sequence, with the sender as its requester contact and the client routing
 * found (or the one an alert rule names), marked Automated for automated notifications.
 */
import { newRowId } from "../db/raw-sql";
import { deferWrite, preparedQuery } from "../db/prepared";
import { sqlOf, type Sql, type SqlConn } from "../db/sql";
import type { ReceivedMessage } from "./received-message";
import { recordTicketEvents } from "../tickets/record-ticket-event";
import type { Route } from "./routing";

export type FiledTicket = { id: string; number: number; subject: string; clientId: string | null };

export type FilingTarget =
  | { kind: "append"; ticketId: string; route: string; reopen: boolean; close: boolean }
  | { kind: "open"; automated: boolean; clientId: string | null; status: string; subjectKey: string };

// The filing statements, compiled once (server/db/prepared.ts).
const ticketStatement = preparedQuery((db, p: { id: string }) =>
  db.selectFrom("Ticket").select(["id", "number", "subject", "clientId", "status"]).where("id", "=", p.id),
);
const touchTicket = preparedQuery((db, p: { id: string; now: Date; status: string }) =>
  db.updateTable("Ticket").set({ lastActivityAt: p.now, updatedAt: p.now, status: p.status }).where("id", "=", p.id),
);
const insertTicket = preparedQuery(
  (
    db,
    p: {
      id: string;
      number: number;
      subject: string;
      clientId: string | null;
      tenantId: string;
      status: string;
      requesterId: string | null;
      automated: boolean;
      subjectKey: string | null;
      now: Date;
    },
  ) =>
    db.insertInto("Ticket").values({
      id: p.id,
      number: p.number,
      subject: p.subject,
      clientId: p.clientId,
      tenantId: p.tenantId,
      status: p.status,
      requesterId: p.requesterId,
      automated: p.automated,
      subjectKey: p.subjectKey,
      createdAt: p.now,
      updatedAt: p.now,
      lastActivityAt: p.now,
    }),
);
const numberStatement = preparedQuery((db, p: { tenantId: string; number: number }) =>
  db.updateTable("Tenant").set({ ticketSeq: p.number }).where("id", "=", p.tenantId),
);
const insertContact = preparedQuery(
  (db, p: { id: string; tenantId: string; email: string; name: string | null; clientId: string | null; now: Date }) =>
    db.insertInto("Contact").values({
      id: p.id,
      tenantId: p.tenantId,
      email: p.email,
      name: p.name,
      clientId: p.clientId,
      createdAt: p.now,
      updatedAt: p.now,
    }),
);

export async function fileTicket(
  conn: SqlConn,
  m: ReceivedMessage,
  a: {
    tenantId: string;
    target: FilingTarget;
    sender: string | null;
    now: Date;
    /** Where a new ticket goes, as the caller read it in this transaction (server/inbound/tenant-context.ts). */
    route: Route;
    /** The tenant's last ticket number, as read when its lock was taken (server/tenants/lock-tenant.ts). */
    ticketSeq: number;
  },
): Promise<{ ticket: FiledTicket; created: boolean; route: string }> {
  const { tenantId, target, now } = a;
  const tx = sqlOf(conn);
  if (target.kind === "append") {
    const existing = await ticketStatement.first(tx, { id: target.ticketId });
    if (!existing) throw new Error(`ticket ${target.ticketId} vanished while filing a message on it`);
    const status = target.close ? "CLOSED" : target.reopen && existing.status !== "OPEN" ? "OPEN" : existing.status;
    await touchTicket.defer(tx, { id: existing.id, now, status });
    // A reopening or a recovery's close is in the ticket's audit trail (R-UX-3), by the gateway (no user made it).
    await recordTicketEvents(tx, [
      { tenantId, ticketId: existing.id, actorId: null, kind: "STATUS", from: existing.status, to: status },
    ]);
    const ticket = { id: existing.id, number: existing.number, subject: existing.subject, clientId: existing.clientId };
    return { ticket, created: false, route: target.route };
  }

  const routed = a.route;
  const contactId = a.sender
    ? await ensureContact(tx, tenantId, a.sender, m.parsed.from?.name ?? null, routed, now)
    : null;
  // The lock is held, so no one else numbers a ticket of this tenant before this transaction ends.
  const number = a.ticketSeq + 1;
  await numberStatement.defer(tx, { tenantId, number });
  const id = newRowId();
  const clientId = target.clientId ?? routed.clientId;
  const ticket = { id, number, subject: ticketSubject(m.parsed.subject), clientId };
  await insertTicket.defer(tx, {
    ...ticket,
    tenantId,
    status: target.status,
    requesterId: contactId,
    automated: target.automated,
    subjectKey: target.subjectKey || null,
    now,
  });
  return { ticket, created: true, route: `new ticket (${target.clientId ? "alert rule" : routed.via})` };
}

function ticketSubject(subject: string): string {
  const s = subject.replace(/\s+/g, " ").trim();
  return (s || "(no subject)").slice(0, 500);
}

/** The requester: the contact with this address, created when new; a contact without a client gets the routed one. */
async function ensureContact(
  tx: Sql,
  tenantId: string,
  email: string,
  name: string | null,
  routed: Route,
  now: Date,
): Promise<string> {
  if (routed.contactId) {
    const contact =
      routed.contact ??
      (await tx
        .selectFrom("Contact")
        .select(["id", "clientId", "name"])
        .where("id", "=", routed.contactId)
        .executeTakeFirstOrThrow());
    if ((!contact.clientId && routed.clientId) || (!contact.name && name)) {
      await deferWrite(
        tx,
        tx
          .updateTable("Contact")
          .set({
            ...(!contact.clientId && routed.clientId ? { clientId: routed.clientId } : {}),
            ...(!contact.name && name ? { name: name.slice(0, 200) } : {}),
            updatedAt: new Date(),
          })
          .where("id", "=", contact.id),
      );
    }
    return contact.id;
  }
  const id = newRowId();
  await insertContact.defer(tx, {
    id,
    tenantId,
    email,
    name: name ? name.slice(0, 200) : null,
    clientId: routed.clientId,
    now,
  });
  return id;
}
