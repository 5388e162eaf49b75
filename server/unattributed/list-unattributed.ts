import { z } from "zod";
import { threadMessageCounts } from "../tickets/message-count";
import type { Db } from "../db/client";
import { containsInsensitive } from "../clients/prisma-errors";
import { displayDomain, displayEmail, domainAndParents, isFreeMailDomain, normaliseDomain } from "../domain-names";
import { QUEUED, fromDomainOrSubdomain } from "./queue-rules";
import { domainOf } from "../mail/addresses";

export const UNATTRIBUTED_PAGE_SIZE = 25;

export const listUnattributedInput = z.object({
  /** Matches the subject, the sender's address or name, or the ticket number (`42` or `#42`). */
  search: z.string().trim().max(200).default(""),
  /** Only senders from this domain or its subdomains (Unicode or punycode). */
  domain: z.string().trim().max(300).default(""),
  cursor: z.string().max(100).nullish(),
  limit: z.number().int().min(1).max(100).default(UNATTRIBUTED_PAGE_SIZE),
});
export type ListUnattributedInput = z.input<typeof listUnattributedInput>;

export type UnattributedTicket = {
  id: string;
  number: number;
  subject: string;
  status: string;
  receivedAt: Date;
  lastActivityAt: Date;
  /** Messages in the ticket's thread, counted as on Tickets (server/tickets/message-count.ts). */
  messageCount: number;
  sender: { email: string; name: string | null } | null;
  /** Unicode form, for display and for the alias-domain action; null without a sender. */
  senderDomain: string | null;
  /** A free-mail sender cannot give its domain to a client: it becomes a contact instead. */
  senderDomainIsFreeMail: boolean;
  /** The client that already has the sender's domain (or a parent of it): the queue offers no "Add domain" (B5). */
  senderDomainClient: { id: string; name: string } | null;
};

export type UnattributedPage = { tickets: UnattributedTicket[]; nextCursor: string | null; total: number };

function whereFor(db: Db, tenantId: string, search: string, domain: string) {
  const and: object[] = [];
  if (search) {
    const number = /^#?(\d{1,9})$/.exec(search)?.[1];
    const asEmail = search.toLowerCase();
    and.push({
      OR: [
        { subject: containsInsensitive(db, search) },
        { requester: { email: { contains: asEmail } } },
        { requester: { name: containsInsensitive(db, search) } },
        ...(number ? [{ number: Number(number) }] : []),
      ],
    });
  }
  if (domain) {
    const ascii = normaliseDomain(domain) ?? domain.toLowerCase();
    and.push({ requester: fromDomainOrSubdomain(ascii) });
  }
  return { tenantId, ...QUEUED, ...(and.length ? { AND: and } : {}) };
}

/**
 * One page of the tenant's Unattributed queue, newest first, with the sender, its domain, subject, when it
 * arrived and how many messages it has. Cursor pagination: pass `nextCursor` back as `cursor`.
 */
export async function listUnattributed(db: Db, tenantId: string, input: ListUnattributedInput = {}): Promise<UnattributedPage> {
  const { search, domain, cursor, limit } = listUnattributedInput.parse(input);
  const where = whereFor(db, tenantId, search, domain);
  // A cursor from another tenant or a ticket that left the queue restarts from the top rather than failing.
  const cursorOk = cursor ? await db.ticket.findFirst({ where: { id: cursor, tenantId }, select: { id: true } }) : null;
  const [rows, total] = await Promise.all([
    db.ticket.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: limit + 1,
      ...(cursorOk ? { cursor: { id: cursorOk.id }, skip: 1 } : {}),
      select: {
        id: true,
        number: true,
        subject: true,
        status: true,
        createdAt: true,
        lastActivityAt: true,
        requester: { select: { email: true, name: true } },
      },
    }),
    db.ticket.count({ where }),
  ]);
  const page = rows.slice(0, limit);
  const [owners, messageCounts] = await Promise.all([
    domainOwners(db, tenantId, page.map((t) => (t.requester ? domainOf(t.requester.email) : null))),
    threadMessageCounts(db, page.map((t) => t.id)),
  ]);
  return {
    tickets: page.map((t) => {
      const senderDomain = t.requester ? domainOf(t.requester.email) : null;
      return {
        id: t.id,
        number: t.number,
        subject: t.subject,
        status: t.status,
        receivedAt: t.createdAt,
        lastActivityAt: t.lastActivityAt,
        messageCount: messageCounts.get(t.id) ?? 0,
        sender: t.requester ? { email: displayEmail(t.requester.email), name: t.requester.name } : null,
        senderDomain: senderDomain ? displayDomain(senderDomain) : null,
        senderDomainIsFreeMail: senderDomain ? isFreeMailDomain(senderDomain) : false,
        senderDomainClient: senderDomain ? ownerOf(owners, senderDomain) : null,
      };
    }),
    nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    total,
  };
}

type Owners = Map<string, { id: string; name: string }>;

/** The clients owning the given sender domains or a parent of them, by domain, in one query. */
async function domainOwners(db: Db, tenantId: string, domains: (string | null)[]): Promise<Owners> {
  const names = [...new Set(domains.flatMap((d) => (d ? domainAndParents(d) : [])))];
  if (!names.length) return new Map();
  const rows = await db.clientDomain.findMany({
    where: { tenantId, domain: { in: names } },
    select: { domain: true, client: { select: { id: true, name: true } } },
  });
  return new Map(rows.map((r) => [r.domain, r.client]));
}

function ownerOf(owners: Owners, domain: string): { id: string; name: string } | null {
  for (const d of domainAndParents(domain)) {
    const owner = owners.get(d);
    if (owner) return owner;
  }
  return null;
}

export type UnattributedDomainCount = { domain: string; count: number; isFreeMail: boolean };

/**
 * The queue grouped by the sender's exact domain, largest group first: where the triage work is. Tickets
 * without a sender are left out. Counted per requester in the database, then summed per domain.
 */
export async function countUnattributedByDomain(db: Db, tenantId: string): Promise<UnattributedDomainCount[]> {
  const groups = await db.ticket.groupBy({
    by: ["requesterId"],
    where: { tenantId, ...QUEUED, requesterId: { not: null } },
    _count: { _all: true },
  });
  const ids = groups.map((g) => g.requesterId).filter((id): id is string => id !== null);
  const contacts = ids.length
    ? await db.contact.findMany({ where: { tenantId, id: { in: ids } }, select: { id: true, email: true } })
    : [];
  const emailOf = new Map(contacts.map((c) => [c.id, c.email]));
  const byDomain = new Map<string, number>();
  for (const g of groups) {
    const email = g.requesterId ? emailOf.get(g.requesterId) : undefined;
    if (!email) continue;
    const domain = domainOf(email);
    byDomain.set(domain, (byDomain.get(domain) ?? 0) + g._count._all);
  }
  return [...byDomain.entries()]
    .map(([domain, count]) => ({ domain: displayDomain(domain), count, isFreeMail: isFreeMailDomain(domain) }))
    .sort((a, b) => b.count - a.count || a.domain.localeCompare(b.domain));
}
