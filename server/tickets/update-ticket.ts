import { z } from "zod";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";
import { recordTicketEvents } from "./record-ticket-event";
import { ticketStatus, type TicketStatus } from "./ticket-fields";

export const setTicketStatusInput = z.object({ ticketId: z.string().min(1), status: ticketStatus });
export type SetTicketStatusInput = z.infer<typeof setTicketStatusInput>;

/** The tenant's ticket, refused when it was merged (its survivor takes the work). Exported for the ticket's other changes. */
export async function openTicket(db: Db | Tx, tenantId: string, ticketId: string) {
  const ticket = await db.ticket.findFirst({
    where: { id: ticketId, tenantId },
    select: {
      id: true,
      status: true,
      clientId: true,
      assignee: { select: { id: true, name: true } },
      client: { select: { name: true } },
      mergedInto: { select: { number: true } },
    },
  });
  if (!ticket) throw new AppError("NOT_FOUND", "Ticket not found.");
  if (ticket.mergedInto) {
    throw new AppError(
      "PRECONDITION",
      `This ticket was merged into #${ticket.mergedInto.number}; work on that ticket instead.`,
    );
  }
  return ticket;
}

/**
 * OPEN / PENDING / CLOSED. A merged ticket stays closed: its mail already goes to the survivor (R-TKT-3). The
 * change is recorded in the ticket's audit trail (R-UX-3), by `actorId`, in the same transaction.
 */
export async function setTicketStatus(
  db: Db,
  tenantId: string,
  input: SetTicketStatusInput,
  actorId: string | null = null,
): Promise<{ status: TicketStatus }> {
  const { ticketId, status } = setTicketStatusInput.parse(input);
  return db.$transaction(async (tx) => {
    const ticket = await openTicket(tx, tenantId, ticketId);
    await tx.ticket.update({ where: { id: ticketId }, data: { status } });
    await recordTicketEvents(tx, [{ tenantId, ticketId, actorId, kind: "STATUS", from: ticket.status, to: status }]);
    return { status };
  });
}

export const assignTicketInput = z.object({ ticketId: z.string().min(1), assigneeId: z.string().min(1).nullable() });
export type AssignTicketInput = z.infer<typeof assignTicketInput>;

/**
 * Assigns the ticket to an active user of the tenant (any role works tickets, R-TEN-4), or unassigns it; the
 * change goes into the audit trail (R-UX-3) in the same transaction.
 */
export async function assignTicket(db: Db, tenantId: string, input: AssignTicketInput, actorId: string | null = null) {
  const { ticketId, assigneeId } = assignTicketInput.parse(input);
  return db.$transaction(async (tx) => {
    const ticket = await openTicket(tx, tenantId, ticketId);
    if (assigneeId) {
      const user = await tx.user.findFirst({ where: { id: assigneeId, tenantId }, select: { disabled: true } });
      if (!user) throw new AppError("BAD_INPUT", "Choose someone from your team.", { field: "assigneeId" });
      if (user.disabled)
        throw new AppError("BAD_INPUT", "That user is disabled and cannot take tickets.", { field: "assigneeId" });
    }
    const updated = await tx.ticket.update({
      where: { id: ticketId },
      data: { assigneeId },
      select: { assignee: { select: { id: true, name: true } } },
    });
    if (ticket.assignee?.id !== updated.assignee?.id) {
      await recordTicketEvents(tx, [
        {
          tenantId,
          ticketId,
          actorId,
          kind: "ASSIGNEE",
          from: ticket.assignee?.name ?? null,
          to: updated.assignee?.name ?? null,
        },
      ]);
    }
    return { assignee: updated.assignee };
  });
}

/** The people a ticket can be assigned to: the tenant's active users. */
export async function listAssignees(db: Db, tenantId: string) {
  return db.user.findMany({
    where: { tenantId, disabled: false },
    orderBy: { name: "asc" },
    select: { id: true, name: true, email: true, role: true },
  });
}
