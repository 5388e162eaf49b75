/**
 * "Mark as spam" on a ticket (R-SPAM-2): the ticket's first inbound message goes to the Spam queue (its raw
 * source and envelope, so Release can bring it back), the ticket is deleted, and rspamd learns it as spam for
 * the tenant.
 */
import { createHash } from "node:crypto";
import type { Db } from "../db/client";
import { TRANSACTION_OPTIONS } from "../db/transactions";
import { AppError } from "../errors";
import type { IngestDeps } from "../inbound/received-message";
import { readScanVerdict } from "../spam/scan-verdict";
import { learn, type Learned } from "./spam-queue-actions";

export async function markTicketAsSpam(
  db: Db,
  deps: Pick<IngestDeps, "scanner" | "now">,
  args: { tenantId: string; ticketId: string; userName: string },
): Promise<{ queueItemId: string; learned: Learned }> {
  const ticket = await db.ticket.findFirst({ where: { id: args.ticketId, tenantId: args.tenantId }, select: { id: true, number: true } });
  if (!ticket) throw new AppError("NOT_FOUND", "Ticket not found.");
  const message = await db.message.findFirst({
    where: { ticketId: ticket.id, tenantId: args.tenantId, direction: "INBOUND" },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, fromAddress: true, subject: true, scanJson: true, messageIdHeader: true, source: { select: { raw: true } } },
  });
  if (!message?.source) throw new AppError("PRECONDITION", "This ticket has no received message to mark as spam.");
  const activity = await db.activityLog.findFirst({
    where: { tenantId: args.tenantId, messageId: message.id, direction: "INBOUND" },
    select: { envelopeFrom: true, envelopeTo: true, remoteIp: true },
  });
  const prior = readScanVerdict(message.scanJson);
  const reason = `marked as spam by ${args.userName}${prior?.score !== undefined ? ` (score ${prior.score})` : ""}`;
  const raw = Buffer.from(message.source.raw);
  const id = await db.$transaction(async (tx) => {
    const item = await tx.quarantinedMessage.create({
      data: {
        tenantId: args.tenantId,
        createdAt: deps.now?.() ?? new Date(),
        kind: "SPAM",
        scanJson: JSON.stringify({ ...(prior ?? {}), status: "spam" }),
        reason,
        envelopeFrom: activity?.envelopeFrom && activity.envelopeFrom !== "<>" ? activity.envelopeFrom : message.fromAddress,
        recipients: activity?.envelopeTo?.split(/,\s*/).join(",") ?? "",
        fromAddress: message.fromAddress || null,
        subject: message.subject,
        remoteIp: activity?.remoteIp ?? "",
        helo: null,
        raw: new Uint8Array(raw),
        dedupeKey: createHash("sha256").update(`marked\0${args.tenantId}\0${message.id}`).digest("hex"),
        ticketNumber: ticket.number,
      },
      select: { id: true },
    });
    await tx.ticket.delete({ where: { id: ticket.id } });
    return item.id;
  }, TRANSACTION_OPTIONS);
  return { queueItemId: id, learned: await learn(deps, "spam", raw, args.tenantId) };
}
