/**
 * The ticket a received message goes on (R-IN-4…7): the one it threads into, reopened when a person writes on a
 * closed or pending ticket, or a new one numbered in the tenant's sequence, with the sender as its requester
 * contact and the client routing found.
 */
import type { Tx } from "../db/client";
import { insertRow, newRowId } from "../db/raw-sql";
import type { AutomaticMailVerdict } from "../mail/automatic-mail";
import type { ReceivedMessage } from "./received-message";
import { routeSender, type Route } from "./routing";
import type { ThreadMatch } from "./threading";

export type FiledTicket = { id: string; number: number; subject: string; clientId: string | null };

export async function fileTicket(
  tx: Tx,
  m: ReceivedMessage,
  a: { tenantId: string; thread: ThreadMatch | null; sender: string | null; automatic: AutomaticMailVerdict; now: Date },
): Promise<{ ticket: FiledTicket; created: boolean; route: string }> {
  const { tenantId, thread, now } = a;
  if (thread) {
    type Row = { id: string; number: number | bigint; subject: string; clientId: string | null; status: string };
    const [existing] = await tx.$queryRaw<Row[]>`
      SELECT "id", "number", "subject", "clientId", "status" FROM "Ticket" WHERE "id" = ${thread.ticketId}`;
    if (!existing) throw new Error(`ticket ${thread.ticketId} vanished while threading a reply`);
    // A person writing on a closed or pending ticket wants an answer; automatic mail changes nothing.
    const status = !a.automatic.automatic && existing.status !== "OPEN" ? "OPEN" : existing.status;
    await tx.$executeRaw`UPDATE "Ticket" SET "lastActivityAt" = ${now}, "updatedAt" = ${now}, "status" = ${status}
      WHERE "id" = ${existing.id}`;
    const ticket = { id: existing.id, number: Number(existing.number), subject: existing.subject, clientId: existing.clientId };
    return { ticket, created: false, route: `reply (${thread.via})` };
  }

  const routed = await routeSender(tx, tenantId, a.sender);
  const contactId = a.sender ? await ensureContact(tx, tenantId, a.sender, m.parsed.from?.name ?? null, routed, now) : null;
  const number = await nextTicketNumber(tx, tenantId);
  const id = newRowId();
  const ticket = { id, number, subject: ticketSubject(m.parsed.subject), clientId: routed.clientId };
  await insertRow(tx, "Ticket", {
    ...ticket,
    tenantId,
    status: "OPEN",
    requesterId: contactId,
    createdAt: now,
    updatedAt: now,
    lastActivityAt: now,
  });
  return { ticket, created: true, route: `new ticket (${routed.via})` };
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
