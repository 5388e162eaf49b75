import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { ticketStatus, type TicketStatus } from "./ticket-fields";

export const setTicketStatusInput = z.object({ ticketId: z.string().min(1), status: ticketStatus });
export type SetTicketStatusInput = z.infer<typeof setTicketStatusInput>;

async function openTicket(db: Db, tenantId: string, ticketId: string) {
  const ticket = await db.ticket.findFirst({
    where: { id: ticketId, tenantId },
    select: { id: true, mergedInto: { select: { number: true } } },
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

/** OPEN / PENDING / CLOSED. A merged ticket stays closed: its mail already goes to the survivor (R-TKT-3). */
export async function setTicketStatus(
  db: Db,
  tenantId: string,
  input: SetTicketStatusInput,
): Promise<{ status: TicketStatus }> {
  const { ticketId, status } = setTicketStatusInput.parse(input);
  await openTicket(db, tenantId, ticketId);
  await db.ticket.update({ where: { id: ticketId }, data: { status } });
  return { status };
}

export const assignTicketInput = z.object({ ticketId: z.string().min(1), assigneeId: z.string().min(1).nullable() });
export type AssignTicketInput = z.infer<typeof assignTicketInput>;

/** Assigns the ticket to an active user of the tenant (any role works tickets, R-TEN-4), or unassigns it. */
export async function assignTicket(db: Db, tenantId: string, input: AssignTicketInput) {
  const { ticketId, assigneeId } = assignTicketInput.parse(input);
  await openTicket(db, tenantId, ticketId);
  if (assigneeId) {
    const user = await db.user.findFirst({ where: { id: assigneeId, tenantId }, select: { disabled: true } });
    if (!user) throw new AppError("BAD_INPUT", "Choose someone from your team.", { field: "assigneeId" });
    if (user.disabled)
      throw new AppError("BAD_INPUT", "That user is disabled and cannot take tickets.", { field: "assigneeId" });
  }
  const updated = await db.ticket.update({
    where: { id: ticketId },
    data: { assigneeId },
    select: { assignee: { select: { id: true, name: true } } },
  });
  return { assignee: updated.assignee };
}

/** The people a ticket can be assigned to: the tenant's active users. */
export async function listAssignees(db: Db, tenantId: string) {
  return db.user.findMany({
    where: { tenantId, disabled: false },
    orderBy: { name: "asc" },
    select: { id: true, name: true, email: true, role: true },
  });
}
