/**
 * Attributing Unattributed tickets to a client (R-UNA-1): set the client of one or many tickets, give the
 * sender's domain to a client (or, for free mail, make the sender a contact), and the follow-up that attributes
 * the other queued tickets from the same domain or sender. Each action is one transaction under the tenant's
 * lock (queue-rules.ts), and repeating it changes nothing: a double-submit reports the work as already done.
 *
 * Attributing a ticket moves its requester contact to the client (so the person's future mail follows), or
 * creates that contact from the first inbound message when the ticket has none. The ticket keeps its number.
 */
import { z } from "zod";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";
import { addClientDomain } from "../clients/add-client-domain";
import { normaliseEmail } from "../clients/client-fields";
import { isUniqueViolation } from "../clients/prisma-errors";
import { displayDomain, displayEmail, isFreeMailDomain, normaliseDomain, badDomain } from "../domain-names";
import { recordTicketEvents } from "../tickets/record-ticket-event";
import { loadActionTickets, type ActionTicket } from "./queued-tickets";
import { TRANSACTION_OPTIONS } from "../db/transactions";
import { lockTenant } from "../tenants/lock-tenant";
import { QUEUED, fromDomainOrSubdomain } from "./queue-rules";
import { domainOf } from "../mail/addresses";

/** Bulk actions take at most this many tickets at once (a page of the queue, with room). */
export const MAX_BULK_TICKETS = 200;

export const ticketIdsInput = z
  .array(z.string().min(1).max(100))
  .min(1, "Select at least one ticket.")
  .max(MAX_BULK_TICKETS, `Select at most ${MAX_BULK_TICKETS} tickets at once.`);

export const setTicketsClientInput = z.object({
  ticketIds: ticketIdsInput,
  clientId: z.string().min(1, "Choose a client.").max(100),
});
export type SetTicketsClientInput = z.input<typeof setTicketsClientInput>;

export const addSenderDomainInput = z.object({
  ticketId: z.string().min(1).max(100),
  clientId: z.string().min(1, "Choose a client.").max(100),
});
export type AddSenderDomainInput = z.input<typeof addSenderDomainInput>;

export const attributeQueuedFromInput = z.object({
  clientId: z.string().min(1, "Choose a client.").max(100),
  /** `domain`: the sender's domain or a subdomain of it; `sender`: exactly this address. */
  scope: z.enum(["domain", "sender"]),
  value: z.string().trim().min(1).max(300),
});
export type AttributeQueuedFromInput = z.input<typeof attributeQueuedFromInput>;

/** Other queued tickets the same rule would attribute, so the screen can offer to do them too. */
export type FollowUp = { scope: "domain" | "sender"; value: string; count: number };

export type TicketRef = { id: string; number: number };

export type AttributeResult = {
  client: { id: string; name: string };
  /** Tickets this call attributed. */
  attributed: TicketRef[];
  /** Tickets that already had this client (e.g. the same action submitted twice). */
  alreadyAttributed: TicketRef[];
  /** Tickets someone meanwhile gave another client: left alone. */
  attributedElsewhere: (TicketRef & { clientName: string })[];
  followUp: FollowUp | null;
};

export type AddSenderDomainResult = AttributeResult & {
  /** ALIAS_DOMAIN: the domain now identifies the client; CONTACT: a free-mail sender became a contact instead. */
  outcome: "ALIAS_DOMAIN" | "CONTACT";
  /** Unicode form. */
  domain: string;
  /** false when the client already had the domain. */
  domainAdded: boolean;
  /** The domain became the client's primary domain (it had none). */
  isPrimary: boolean;
  contactEmail: string;
  /** What happened, in plain words, for the screen. */
  message: string;
};

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("BAD_INPUT", issue?.message ?? "Invalid input.", {
      field: issue?.path.map(String).join(".") || undefined,
      cause: parsed.error,
    });
  }
  return parsed.data;
}

export async function loadClient(tx: Tx, tenantId: string, clientId: string) {
  const client = await tx.client.findFirst({ where: { id: clientId, tenantId }, select: { id: true, name: true } });
  if (!client) throw new AppError("NOT_FOUND", "No such client.", { field: "clientId" });
  return client;
}

/** Runs an action in one transaction under the tenant lock; a unique-key race (two contacts made at once) retries once. */
export async function inTenantTransaction<T>(db: Db, tenantId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  const attempt = () =>
    db.$transaction(async (tx) => {
      await lockTenant(tx, tenantId);
      return work(tx);
    }, TRANSACTION_OPTIONS);
  try {
    return await attempt();
  } catch (err) {
    if (isUniqueViolation(err)) return attempt();
    throw err;
  }
}

/**
 * Gives tickets to `client` (call under the tenant lock): their requesters move under it, so the person's future
 * mail follows, and a ticket without a requester gets its first sender as the client's contact. Each ticket's
 * client change is recorded in its audit trail (R-UX-3) by `actorId`.
 */
export async function moveTicketsToClient(
  tx: Tx,
  tenantId: string,
  client: { id: string; name: string },
  tickets: readonly ActionTicket[],
  actorId: string | null,
): Promise<void> {
  if (!tickets.length) return;
  await tx.ticket.updateMany({ where: { tenantId, id: { in: tickets.map((t) => t.id) } }, data: { clientId: client.id } });
  const requesterIds = [...new Set(tickets.map((t) => t.requesterId).filter((id): id is string => id !== null))];
  if (requesterIds.length) {
    await tx.contact.updateMany({ where: { tenantId, id: { in: requesterIds } }, data: { clientId: client.id } });
  }
  for (const t of tickets.filter((x) => !x.requesterId && x.sender)) {
    const contact = await tx.contact.upsert({
      where: { tenantId_email: { tenantId, email: t.sender! } },
      update: { clientId: client.id },
      create: { tenantId, email: t.sender!, clientId: client.id },
      select: { id: true },
    });
    await tx.ticket.update({ where: { id: t.id }, data: { requesterId: contact.id } });
  }
  await recordTicketEvents(
    tx,
    tickets.map((t) => ({ tenantId, ticketId: t.id, actorId, kind: "CLIENT", from: t.clientName, to: client.name })),
  );
}

/**
 * Gives the tickets that are still without a client to `client`, moving (or creating) their requesters under
 * it. Tickets already on this client are reported, tickets on another client are left alone.
 */
async function attribute(
  tx: Tx,
  tenantId: string,
  client: { id: string; name: string },
  tickets: ActionTicket[],
  actorId: string | null,
) {
  const result: Omit<AttributeResult, "followUp"> = { client, attributed: [], alreadyAttributed: [], attributedElsewhere: [] };
  const todo: ActionTicket[] = [];
  for (const t of tickets) {
    if (t.clientId === client.id) result.alreadyAttributed.push({ id: t.id, number: t.number });
    else if (t.clientId) result.attributedElsewhere.push({ id: t.id, number: t.number, clientName: t.clientName ?? "another client" });
    else todo.push(t);
  }
  await moveTicketsToClient(tx, tenantId, client, todo, actorId);
  result.attributed = todo.map((t) => ({ id: t.id, number: t.number }));
  return result;
}

function queuedFromWhere(tenantId: string, scope: "domain" | "sender", value: string) {
  return { tenantId, ...QUEUED, requester: scope === "domain" ? fromDomainOrSubdomain(value) : { email: value } };
}

async function countQueuedFrom(tx: Tx, tenantId: string, scope: "domain" | "sender", value: string): Promise<FollowUp | null> {
  const count = await tx.ticket.count({ where: queuedFromWhere(tenantId, scope, value) });
  return count ? { scope, value: scope === "domain" ? displayDomain(value) : displayEmail(value), count } : null;
}

/**
 * Sets the client of one or many tickets (bulk selection). With one ticket, the result offers the other queued
 * tickets from the same sender, who is now the client's contact.
 */
export async function setTicketsClient(
  db: Db,
  tenantId: string,
  input: SetTicketsClientInput,
  actorId: string | null = null,
): Promise<AttributeResult> {
  const data = parse(setTicketsClientInput, input);
  return inTenantTransaction(db, tenantId, async (tx) => {
    const client = await loadClient(tx, tenantId, data.clientId);
    const tickets = await loadActionTickets(tx, tenantId, data.ticketIds);
    const result = await attribute(tx, tenantId, client, tickets, actorId);
    const only = tickets.length === 1 ? tickets[0] : undefined;
    const followUp = only?.sender ? await countQueuedFrom(tx, tenantId, "sender", only.sender) : null;
    return { ...result, followUp };
  });
}

/**
 * Adds the ticket sender's domain to the client (as an alias domain; as the primary domain when the client has
 * none), so the domain's future mail is attributed to it, and attributes the ticket. A free-mail domain
 * (isFreeMailDomain) identifies no one: the sender becomes a contact of the client instead, and the result says
 * so. The follow-up counts the other queued tickets the new rule covers (the domain and its subdomains, or the
 * one free-mail address). CONFLICT on `clientId` when another client of the tenant already has the domain.
 */
export async function addSenderDomainToClient(
  db: Db,
  tenantId: string,
  input: AddSenderDomainInput,
  actorId: string | null = null,
): Promise<AddSenderDomainResult> {
  const data = parse(addSenderDomainInput, input);
  return inTenantTransaction(db, tenantId, async (tx) => {
    const client = await loadClient(tx, tenantId, data.clientId);
    const [ticket] = await loadActionTickets(tx, tenantId, [data.ticketId]);
    if (!ticket!.sender) {
      throw new AppError("BAD_INPUT", `Ticket #${ticket!.number} has no sender address, so there is no domain to add. Set its client instead.`);
    }
    const sender = ticket!.sender;
    const domain = domainOf(sender);
    if (isFreeMailDomain(domain)) {
      const result = await attribute(tx, tenantId, client, [ticket!], actorId);
      const followUp = await countQueuedFrom(tx, tenantId, "sender", sender);
      return {
        ...result,
        followUp,
        outcome: "CONTACT" as const,
        domain: displayDomain(domain),
        domainAdded: false,
        isPrimary: false,
        contactEmail: displayEmail(sender),
        message: `${displayDomain(domain)} is a free-mail provider: anyone can have an address there, so it cannot become a domain of “${client.name}”. ${displayEmail(sender)} is now a contact of “${client.name}” instead.`,
      };
    }
    // Other clients' ownership is reported on the client picker: that is the choice that conflicts.
    const added = await addClientDomain(tx, tenantId, { clientId: client.id, domain, field: "clientId" });
    const result = await attribute(tx, tenantId, client, [ticket!], actorId);
    const followUp = await countQueuedFrom(tx, tenantId, "domain", added.domain);
    const shown = displayDomain(added.domain);
    const what = added.isPrimary ? "the primary domain" : "an alias domain";
    return {
      ...result,
      followUp,
      outcome: "ALIAS_DOMAIN" as const,
      domain: shown,
      domainAdded: added.added,
      isPrimary: added.isPrimary,
      contactEmail: displayEmail(sender),
      message: added.added
        ? `${shown} is now ${what} of “${client.name}”: new mail from it goes to “${client.name}” directly.`
        : `${shown} was already a domain of “${client.name}”.`,
    };
  });
}

/**
 * The follow-up: attributes every queued ticket from the domain (and its subdomains) or from the one address
 * to the client. Running it again attributes nothing more.
 */
export async function attributeQueuedFrom(
  db: Db,
  tenantId: string,
  input: AttributeQueuedFromInput,
  actorId: string | null = null,
): Promise<AttributeResult> {
  const data = parse(attributeQueuedFromInput, input);
  const value = data.scope === "domain" ? (normaliseDomain(data.value) ?? badDomain(data.value, "value")) : normaliseEmail(data.value, "value");
  return inTenantTransaction(db, tenantId, async (tx) => {
    const client = await loadClient(tx, tenantId, data.clientId);
    const rows = await tx.ticket.findMany({ where: queuedFromWhere(tenantId, data.scope, value), select: { id: true } });
    const tickets = rows.length ? await loadActionTickets(tx, tenantId, rows.map((r) => r.id)) : [];
    return { ...(await attribute(tx, tenantId, client, tickets, actorId)), followUp: null };
  });
}

/**
 * B5: a client created or edited with domains takes the queued tickets from those domains (and their subdomains),
 * as the queue's "Add domain" follow-up would (attributeQueuedFrom's rule). Returns the tickets it attributed.
 */
export async function attributeQueuedFromClientDomains(db: Db, tenantId: string, clientId: string): Promise<TicketRef[]> {
  return inTenantTransaction(db, tenantId, async (tx) => {
    const client = await loadClient(tx, tenantId, clientId);
    const domains = await tx.clientDomain.findMany({ where: { tenantId, clientId }, select: { domain: true } });
    if (!domains.length) return [];
    const rows = await tx.ticket.findMany({
      where: { OR: domains.map((d) => queuedFromWhere(tenantId, "domain", d.domain)) },
      select: { id: true },
    });
    if (!rows.length) return [];
    const tickets = await loadActionTickets(tx, tenantId, rows.map((r) => r.id));
    return (await attribute(tx, tenantId, client, tickets, null)).attributed;
  });
}
