/**
 * Which existing ticket an inbound message belongs to (R-IN-6), in this order:
 *   1. a valid per-ticket reply token in any of the given addresses (envelope recipients, To, Cc, Delivered-To,
 *      X-Original-To) — whoever sent it, CC'd people included;
 *   2. In-Reply-To, then References from the most recent back, against our signed outbound Message-Ids and the
 *      Message-Ids stored on the tenant's messages.
 * Only the receiving tenant's tickets are ever considered: a token or Message-Id of another tenant is ignored,
 * never an error and never a hint that it exists. Merged tickets resolve to their survivor (R-TKT-3).
 */
import { preparedListQuery, preparedQuery } from "../db/prepared";
import { sqlOf, type SqlConn } from "../db/sql";
import { parseOutboundMessageId } from "../outbound/message-id";
import { parseGatewayAddress } from "../mail/addresses";

export type ThreadMatch = { ticketId: string; via: "reply-token" | "in-reply-to" | "references" };

export type FindThreadInput = {
  tenantId: string;
  slug: string;
  secret: string;
  inboundDomain: string;
  /** Every address a reply token may be in. */
  addresses: readonly string[];
  inReplyTo: string | null;
  /** In header order (oldest first), without angle brackets. */
  references: readonly string[];
};

/** Merge chains longer than this are a data error; stop rather than loop. */
const MAX_MERGE_HOPS = 16;
/** References looked up per message: the most recent ones carry the thread; the rest is history. */
const MAX_REFERENCES = 50;

export async function findThread(db: SqlConn, input: FindThreadInput): Promise<ThreadMatch | null> {
  for (const address of input.addresses) {
    const parsed = parseGatewayAddress(input.secret, address, input.inboundDomain);
    if (parsed?.kind !== "reply" || parsed.slug !== input.slug || !parsed.ticketId) continue;
    const survivor = await survivingTicket(db, input.tenantId, parsed.ticketId);
    if (survivor) return { ticketId: survivor, via: "reply-token" };
  }

  const ordered: { id: string; via: ThreadMatch["via"] }[] = [];
  const seen = new Set<string>();
  const push = (id: string | null | undefined, via: ThreadMatch["via"]) => {
    const clean = id?.trim().replace(/^<|>$/g, "");
    if (!clean || seen.has(clean)) return;
    seen.add(clean);
    ordered.push({ id: clean, via });
  };
  push(input.inReplyTo, "in-reply-to");
  for (const id of [...input.references].reverse().slice(0, MAX_REFERENCES)) push(id, "references");
  if (!ordered.length) return null;

  // Our own signed Message-Ids name the ticket directly (and survive the message having been deleted).
  for (const { id, via } of ordered) {
    const ref = parseOutboundMessageId(input.secret, id);
    if (!ref || ref.slug !== input.slug) continue;
    const survivor = await survivingTicket(db, input.tenantId, ref.ticketId);
    if (survivor) return { ticketId: survivor, via };
  }

  const stored = await storedStatement.all(
    sqlOf(db),
    { tenantId: input.tenantId },
    ordered.map((o) => o.id),
  );
  if (!stored.length) return null;
  const byId = new Map(stored.map((m) => [m.messageIdHeader, m.ticketId]));
  for (const { id, via } of ordered) {
    const ticketId = byId.get(id);
    if (!ticketId) continue;
    const survivor = await survivingTicket(db, input.tenantId, ticketId);
    if (survivor) return { ticketId: survivor, via };
  }
  return null;
}

const storedStatement = preparedListQuery((db, p: { tenantId: string }, ids: string[]) =>
  db.selectFrom("Message").select(["messageIdHeader", "ticketId"]).where("tenantId", "=", p.tenantId).where("messageIdHeader", "in", ids),
);
const ticketStatement = preparedQuery((db, p: { id: string; tenantId: string }) =>
  db.selectFrom("Ticket").select(["id", "mergedIntoId"]).where("id", "=", p.id).where("tenantId", "=", p.tenantId),
);

/** The ticket a merged ticket's mail goes to, within the tenant; null when it does not exist there. */
export async function survivingTicket(db: SqlConn, tenantId: string, ticketId: string): Promise<string | null> {
  const sql = sqlOf(db);
  let id = ticketId;
  for (let hop = 0; hop <= MAX_MERGE_HOPS; hop++) {
    const ticket = await ticketStatement.first(sql, { id, tenantId });
    if (!ticket) return null;
    if (!ticket.mergedIntoId || ticket.mergedIntoId === ticket.id) return ticket.id;
    id = ticket.mergedIntoId;
  }
  return id;
}
