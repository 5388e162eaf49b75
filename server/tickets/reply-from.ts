/**
 * The From a reply on a ticket will go out with, shown in the composer before Send (R-UX-1, R-OUT-1): the same
 * resolution as sending (resolveFromAddress), so what the technician reads is what the client gets.
 */
import { z } from "zod";
import type { Tx } from "../db/client";
import { AppError, isAppError } from "../errors";
import { resolveFromAddress, type GatewaySender } from "../sending-domains/resolve-from-address";

export const replyFromInput = z.object({ ticketId: z.string().min(1) });

export type ReplyFrom =
  | {
      ok: true;
      address: string;
      name: string;
      /** "gateway": the tenant's gateway address, until a verified sending domain is chosen as the From. */
      source: "user" | "client" | "tenant" | "gateway";
    }
  /** Sending would be refused (an address on a domain that is no longer verified): the reason, in plain words. */
  | { ok: false; message: string };

export async function replyFrom(
  db: Tx,
  params: { tenantId: string; userId: string; gateway: GatewaySender },
  input: z.input<typeof replyFromInput>,
): Promise<ReplyFrom> {
  const { ticketId } = replyFromInput.parse(input);
  const ticket = await db.ticket.findFirst({ where: { id: ticketId, tenantId: params.tenantId }, select: { clientId: true } });
  if (!ticket) throw new AppError("NOT_FOUND", "Ticket not found.");
  try {
    const from = await resolveFromAddress(
      db,
      { tenantId: params.tenantId, userId: params.userId, clientId: ticket.clientId },
      params.gateway,
    );
    return { ok: true, address: from.address, name: from.name, source: from.source };
  } catch (err) {
    if (isAppError(err) && err.code === "PRECONDITION") return { ok: false, message: err.message };
    throw err;
  }
}
