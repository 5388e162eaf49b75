import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { containsInsensitive } from "../clients/prisma-errors";
import { recordTicketEvents } from "./record-ticket-event";
import { parseTicketStatus } from "./ticket-fields";

export const mergeTicketsInput = z.object({
  /** The ticket that goes away (closes, points at the survivor). */
  sourceId: z.string().min(1),
  /** The survivor. */
  targetId: z.string().min(1, "Choose the ticket to merge into."),
});
export type MergeTicketsInput = z.infer<typeof mergeTicketsInput>;

/**
 * Merges one ticket into another (R-TKT-3): its messages (with their attachments and sources) move to the
 * survivor, whose thread is in date order; the merged ticket closes with `mergedIntoId` set, so its reply
 * address and Message-Ids resolve to the survivor (server/inbound/threading.ts follows the pointer). Tickets
 * already merged into the source now point at the survivor directly. Internal notes move with the messages; each
 * ticket's audit trail records the merge (R-UX-3), and the source's status change to closed. One transaction.
 */
export async function mergeTickets(db: Db, tenantId: string, input: MergeTicketsInput, actorId: string | null = null) {
  const { sourceId, targetId } = mergeTicketsInput.parse(input);
  if (sourceId === targetId)
    throw new AppError("BAD_INPUT", "A ticket cannot be merged into itself.", { field: "targetId" });
  return db.$transaction(async (tx) => {
    const select = {
      id: true,
      number: true,
      status: true,
      mergedIntoId: true,
      lastActivityAt: true,
      mergedInto: { select: { number: true } },
    } as const;
    const [source, target] = await Promise.all([
      tx.ticket.findFirst({ where: { id: sourceId, tenantId }, select }),
      tx.ticket.findFirst({ where: { id: targetId, tenantId }, select }),
    ]);
    if (!source) throw new AppError("NOT_FOUND", "Ticket not found.");
    if (!target) throw new AppError("BAD_INPUT", "That ticket does not exist.", { field: "targetId" });
    if (source.mergedIntoId) {
      throw new AppError(
        "CONFLICT",
        `Ticket #${source.number} was already merged into #${source.mergedInto?.number ?? "?"}.`,
      );
    }
    if (target.mergedIntoId) {
      throw new AppError(
        "BAD_INPUT",
        `Ticket #${target.number} was itself merged into #${target.mergedInto?.number ?? "?"}; merge into that one.`,
        {
          field: "targetId",
        },
      );
    }
    const moved = await tx.message.updateMany({
      where: { ticketId: source.id, tenantId },
      data: { ticketId: target.id },
    });
    await tx.ticketNote.updateMany({ where: { ticketId: source.id, tenantId }, data: { ticketId: target.id } });
    await tx.ticket.updateMany({ where: { tenantId, mergedIntoId: source.id }, data: { mergedIntoId: target.id } });
    await tx.ticket.update({ where: { id: source.id }, data: { status: "CLOSED", mergedIntoId: target.id } });
    const latest = source.lastActivityAt > target.lastActivityAt ? source.lastActivityAt : target.lastActivityAt;
    await tx.ticket.update({ where: { id: target.id }, data: { lastActivityAt: latest } });
    await recordTicketEvents(tx, [
      { tenantId, ticketId: source.id, actorId, kind: "STATUS", from: source.status, to: "CLOSED" },
      { tenantId, ticketId: source.id, actorId, kind: "MERGED_INTO", from: null, to: `#${target.number}` },
      { tenantId, ticketId: target.id, actorId, kind: "MERGED_FROM", from: null, to: `#${source.number}` },
    ]);
    return { survivorId: target.id, survivorNumber: target.number, movedMessages: moved.count };
  });
}

export const searchMergeTargetsInput = z.object({
  ticketId: z.string().min(1),
  /** A number (`#1042`, `1042`) or words of the subject. */
  query: z.string().trim().max(200).default(""),
});
export type SearchMergeTargetsInput = z.input<typeof searchMergeTargetsInput>;

/** Tickets this one can be merged into: same tenant, not itself, not already merged; newest activity first. */
export async function searchMergeTargets(db: Db, tenantId: string, input: SearchMergeTargetsInput) {
  const { ticketId, query } = searchMergeTargetsInput.parse(input);
  // The ticket being merged must be the tenant's own: another tenant's id is not found, not a search from nowhere.
  const ticket = await db.ticket.findFirst({ where: { id: ticketId, tenantId }, select: { id: true } });
  if (!ticket) throw new AppError("NOT_FOUND", "Ticket not found.");
  const number = /^#?(\d{1,9})$/.exec(query)?.[1];
  const rows = await db.ticket.findMany({
    where: {
      tenantId,
      id: { not: ticketId },
      mergedIntoId: null,
      ...(query
        ? { OR: [{ subject: containsInsensitive(db, query) }, ...(number ? [{ number: Number(number) }] : [])] }
        : {}),
    },
    orderBy: [{ lastActivityAt: "desc" }, { id: "desc" }],
    take: 10,
    select: {
      id: true,
      number: true,
      subject: true,
      status: true,
      lastActivityAt: true,
      client: { select: { name: true } },
    },
  });
  // An exact number first: that is what the person typed it for.
  rows.sort((a, b) => Number(b.number === Number(number)) - Number(a.number === Number(number)));
  return rows.map((r) => ({ ...r, status: parseTicketStatus(r.status) }));
}
