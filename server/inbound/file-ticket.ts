/**
 * The ticket a received message goes on (R-IN-4…7, R-AUTO-1/2): an existing one it threads or folds into —
 * reopened when a person writes on a closed or pending ticket, closed when an alert rule's recovery mail says so —
 * or a new one numbered in the tenant's sequence, with the sender as its requester contact and the client routing
 * found (or the one an alert rule names), marked Automated for automated notifications.
 */
import type { Tx } from "../db/client";
import { insertRow, newRowId } from "../db/raw-sql";
import type { ReceivedMessage } from "./received-message";
import { recordTicketEvents } from "../tickets/record-ticket-event";
import { routeSender, type Route } from "./routing";

export type FiledTicket = { id: string; number: number; subject: string; clientId: string | null };

export type FilingTarget =
  | { kind: "append"; ticketId: string; route: string; reopen: boolean; close: boolean }
  | { kind: "open"; automated: boolean; clientId: string | null; status: string; subjectKey: string };

export async function fileTicket(
  tx: Tx,
  m: ReceivedMessage,
  a: { tenantId: string; target: FilingTarget; sender: string | null; now: Date },
): Promise<{ ticket: FiledTicket; created: boolean; route: string }> {
  const { tenantId, target, now } = a;
  if (target.kind === "append") {
    type Row = { id: string; number: number | bigint; subject: string; clientId: string | null; status: string };
    const [existing] = await tx.$queryRaw<Row[]>`
      SELECT "id", "number", "subject", "clientId", "status" FROM "Ticket" WHERE "id" = ${target.ticketId}`;
    if (!existing) throw new Error(`ticket ${target.ticketId} vanished while filing a message on it`);
    const status = target.close ? "CLOSED" : target.reopen && existing.status !== "OPEN" ? "OPEN" : existing.status;
    await tx.$executeRaw`UPDATE "Ticket" SET "lastActivityAt" = ${now}, "updatedAt" = ${now}, "status" = ${status}
      WHERE "id" = ${existing.id}`;
    // A reopening or a recovery's close is in the ticket's audit trail (R-UX-3), by the gateway (no user made it).
    await recordTicketEvents(tx, [{ tenantId, ticketId: existing.id, actorId: null, kind: "STATUS", from: existing.status, to: status }]);
    const ticket = { id: existing.id, number: Number(existing.number), subject: existing.subject, clientId: existing.clientId };
    return { ticket, created: false, route: target.route };
  }

  const routed = await routeSender(tx, tenantId, a.sender);
  const contactId = a.sender ? await ensureContact(tx, tenantId, a.sender, m.parsed.from?.name ?? null, routed, now) : null;
  const number = await nextTicketNumber(tx, tenantId);
  const id = newRowId();
  const clientId = target.clientId ?? routed.clientId;
  const ticket = { id, number, subject: ticketSubject(m.parsed.subject), clientId };
  await insertRow(tx, "Ticket", {
    ...ticket,
    tenantId,
    status: target.status,
    requesterId: contactId,
    automated: target.automated,
    subjectKey: target.subjectKey || null,
    createdAt: now,
    updatedAt: now,
    lastActivityAt: now,
  });
  return { ticket, created: true, route: `new ticket (${target.clientId ? "alert rule" : routed.via})` };
}

async function nextTicketNumber(tx: Tx, tenantId: string): Promise<number> {
  const rows = await tx.$queryRaw<{ ticketSeq: number | bigint }[]>`
    UPDATE "Tenant" SET "ticketSeq" = "ticketSeq" + 1 WHERE "id" = ${tenantId} RETURNING "ticketSeq"`;
  const value = rows[0]?.ticketSeq;
  if (value === undefined) throw new Error(`tenant ${tenantId} vanished while numbering a ticket`);
  return Number(value);
}

function ticketSubject(subject: string): string {
  const s = subject.replace(/\s+/g, " ").trim();
  return (s || "(no subject)").slice(0, 500);
}

/** The requester: the contact with this address, created when new; a contact without a client gets the routed one. */
async function ensureContact(
  tx: Tx,
  tenantId: string,
  email: string,
  name: string | null,
  routed: Route,
  now: Date,
): Promise<string> {
  if (routed.contactId) {
    const contact =
      routed.contact ??
      (await tx.contact.findUniqueOrThrow({ where: { id: routed.contactId }, select: { id: true, clientId: true, name: true } }));
    if ((!contact.clientId && routed.clientId) || (!contact.name && name)) {
      await tx.contact.update({
        where: { id: contact.id },
        data: {
          ...(!contact.clientId && routed.clientId ? { clientId: routed.clientId } : {}),
          ...(!contact.name && name ? { name: name.slice(0, 200) } : {}),
        },
      });
    }
    return contact.id;
  }
  const id = newRowId();
  await insertRow(tx, "Contact", {
    id,
    tenantId,
    email,
    name: name ? name.slice(0, 200) : null,
    clientId: routed.clientId,
    createdAt: now,
    updatedAt: now,
  });
  return id;
}
