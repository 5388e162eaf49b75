/**
 * Blocklisting from the Unattributed queue (R-UNA-1, R-BL-1): block the sender or the sender's domain of one or
 * many tickets. Entries are made by the Blocklist's own addBlocklistEntry (one parser, one matcher), so what is
 * blocked here is exactly what ingestion drops from now on.
 *
 * What happens to the tickets: an agent who blocks a sender is saying "this is not work", so the queued tickets
 * the new entries match (the selected ones and any others from the same sender or domain still in the queue)
 * are closed and leave the queue. They are closed, not deleted: the mail stays on record, and the ticket page
 * still shows it. Tickets someone has meanwhile attributed to a client are left alone.
 *
 * A free-mail domain is never blocked from here: it would drop mail from everyone who uses the provider.
 */
import { z } from "zod";
import type { Db, Tx } from "../db/client";
import { AppError, isAppError } from "../errors";
import { addBlocklistEntry } from "../blocklist/manage-blocklist";
import { matchBlocklist, parseBlocklistInput, type BlocklistKind } from "../mail/blocklist";
import { displayDomain, displayEmail, isFreeMailDomain } from "../domain-names";
import { ticketIdsInput } from "./attribute-tickets";
import { recordTicketEvents } from "../tickets/record-ticket-event";
import { loadActionTickets } from "./queued-tickets";
import { TRANSACTION_OPTIONS } from "../db/transactions";
import { lockTenant } from "../tenants/lock-tenant";
import { QUEUED, fromDomainOrSubdomain } from "./queue-rules";
import { domainOf } from "../mail/addresses";

export const blockSendersInput = z.object({
  ticketIds: ticketIdsInput,
  /** `sender`: the exact address; `domain`: the sender's domain and its subdomains. */
  scope: z.enum(["sender", "domain"]),
});
export type BlockSendersInput = z.input<typeof blockSendersInput>;

export type BlockSendersResult = {
  /** Entries in the order first met; `alreadyBlocked` when an active entry existed (e.g. a double-submit). */
  entries: { id: string; kind: BlocklistKind; value: string; alreadyBlocked: boolean }[];
  /** Queued tickets closed because the entries match their sender. */
  closed: { id: string; number: number }[];
  message: string;
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

async function block(tx: Tx, tenantId: string, userId: string | null, value: string, note: string) {
  try {
    const entry = await addBlocklistEntry(tx, { tenantId, userId, value, note });
    return { id: entry.id, kind: entry.kind, value: entry.value, alreadyBlocked: false };
  } catch (err) {
    if (!isAppError(err) || err.code !== "CONFLICT") throw err;
    const parsed = parseBlocklistInput(value);
    const existing = await tx.blocklistEntry.findFirstOrThrow({
      where: { tenantId, kind: parsed.kind, value: parsed.value, removedAt: null },
      select: { id: true, kind: true, value: true },
    });
    return { id: existing.id, kind: existing.kind as BlocklistKind, value: existing.value, alreadyBlocked: true };
  }
}

/**
 * Blocks the senders (or their domains) of the selected tickets and closes the queued tickets that the entries
 * now match. One transaction; repeating it adds no entry twice and closes nothing more. BAD_INPUT when a ticket
 * has no sender address, or when blocking a free-mail domain.
 */
export async function blockSenders(
  db: Db,
  tenantId: string,
  userId: string | null,
  input: BlockSendersInput,
): Promise<BlockSendersResult> {
  const parsed = blockSendersInput.safeParse(input);
  if (!parsed.success) throw new AppError("BAD_INPUT", parsed.error.issues[0]?.message ?? "Invalid input.", { cause: parsed.error });
  const { ticketIds, scope } = parsed.data;
  return db.$transaction(async (tx) => {
    await lockTenant(tx, tenantId);
    const tickets = await loadActionTickets(tx, tenantId, ticketIds);
    const values = new Map<string, number[]>();
    for (const t of tickets) {
      if (!t.sender) throw new AppError("BAD_INPUT", `Ticket #${t.number} has no sender address to block.`);
      const value = scope === "sender" ? t.sender : domainOf(t.sender);
      if (scope === "domain" && isFreeMailDomain(value)) {
        throw new AppError(
          "BAD_INPUT",
          `${displayDomain(value)} is a free-mail provider: blocking it would drop mail from everyone who uses it. Block the sender instead.`,
        );
      }
      values.set(value, [...(values.get(value) ?? []), t.number]);
    }

    const entries: BlockSendersResult["entries"] = [];
    for (const [value, numbers] of values) {
      const note = `Blocked from the Unattributed queue (${numbers.length === 1 ? "ticket" : "tickets"} ${numbers.map((n) => `#${n}`).join(", ")})`;
      entries.push(await block(tx, tenantId, userId, value, note.length > 500 ? `${note.slice(0, 499)}…` : note));
    }

    const candidates = await tx.ticket.findMany({
      where: {
        tenantId,
        ...QUEUED,
        requester: {
          OR: entries.map((e) => (e.kind === "DOMAIN" ? fromDomainOrSubdomain(e.value) : { email: e.value })),
        },
      },
      select: { id: true, number: true, status: true, requester: { select: { email: true } } },
    });
    const matched = new Map(candidates.filter((c) => c.requester && matchBlocklist(entries, c.requester.email)).map((c) => [c.id, c]));
    // Selected tickets without a requester (sender taken from their first message) are matched here.
    for (const t of tickets) {
      if (t.clientId === null && t.mergedIntoId === null && t.status !== "CLOSED" && matchBlocklist(entries, t.sender!)) {
        matched.set(t.id, { id: t.id, number: t.number, status: t.status, requester: null });
      }
    }
    const closed = [...matched.values()].map((c) => ({ id: c.id, number: c.number })).sort((a, b) => a.number - b.number);
    if (closed.length) {
      await tx.ticket.updateMany({ where: { tenantId, id: { in: closed.map((c) => c.id) } }, data: { status: "CLOSED" } });
      await recordTicketEvents(
        tx,
        [...matched.values()].map((c) => ({ tenantId, ticketId: c.id, actorId: userId, kind: "STATUS", from: c.status, to: "CLOSED" })),
      );
    }

    const shown = entries.map((e) => (e.kind === "DOMAIN" ? displayDomain(e.value) : displayEmail(e.value)));
    const newly = entries.filter((e) => !e.alreadyBlocked).length;
    const what = newly === 0 ? `${shown.join(", ")} ${entries.length === 1 ? "was" : "were"} already blocked` : `Blocked ${shown.join(", ")}`;
    const message = `${what}. ${closed.length ? `Closed ${plural(closed.length, "ticket")} from the queue.` : "No queued tickets left to close."}`;
    return { entries, closed, message };
  }, TRANSACTION_OPTIONS);
}
