/**
 * The tickets a new mail from `sender` could fold into (R-AUTO-1) or that an alert rule correlates with
 * (R-AUTO-2), and how many tickets that sender opened lately: two small indexed reads (Ticket by tenant,
 * requester, status, createdAt), run only for mail that threads nowhere. Read-only, so the "try a message"
 * panel can call it too.
 */
import { preparedQuery } from "../db/prepared";
import { sqlOf, type Sql, type SqlConn } from "../db/sql";
import { senderContact } from "./routing";
import { BURST_MINUTES, type FateInput, type TicketRef } from "./ticket-fate";

export type FoldCandidates = Pick<FateInput, "repeatOf" | "correlated" | "newestFromSender" | "recentTickets">;

const NONE: FoldCandidates = {
  repeatOf: null,
  correlated: null,
  newestFromSender: null,
  recentTickets: { burst: 0, hour: 0 },
};
/** Open tickets looked at for a subject match: a sender with more open tickets than this inside the window is a flood the hourly cap already handles. */
const OPEN_SCAN = 100;

type Row = { id: string; number: number; subjectKey: string | null; createdAt: Date };
const ref = (r: Row): TicketRef => ({ id: r.id, number: r.number });

const senderTickets = (db: Sql, p: { tenantId: string; contactId: string }) =>
  db
    .selectFrom("Ticket")
    .select(["id", "number", "subjectKey", "createdAt"])
    .where("tenantId", "=", p.tenantId)
    .where("requesterId", "=", p.contactId)
    .orderBy("createdAt", "desc")
    .orderBy("number", "desc");
const recentStatement = preparedQuery((db, p: { tenantId: string; contactId: string; since: Date }) =>
  senderTickets(db, p).where("createdAt", ">=", p.since),
);
const openStatement = preparedQuery((db, p: { tenantId: string; contactId: string; since: Date }) =>
  senderTickets(db, p)
    .where("status", "<>", "CLOSED")
    .where("mergedIntoId", "is", null)
    .where("createdAt", ">=", p.since)
    .limit(OPEN_SCAN),
);

export async function findFoldCandidates(
  db: SqlConn,
  args: {
    tenantId: string;
    sender: string | null;
    subjectKey: string;
    windowHours: number;
    now: Date;
    /** The sender's contact when the caller has read it already (undefined: not read). */
    contact?: { id: string } | null;
  },
): Promise<FoldCandidates> {
  if (!args.sender) return NONE;
  const sql = sqlOf(db);
  const contact = args.contact !== undefined ? args.contact : await senderContact(sql, args.tenantId, args.sender);
  const contactId = contact?.id;
  if (!contactId) return NONE;

  const now = args.now.getTime();
  const hourAgo = new Date(now - 3_600_000);
  const burstSince = now - BURST_MINUTES * 60_000;
  const recent: Row[] = await recentStatement.all(sql, { tenantId: args.tenantId, contactId, since: hourAgo });
  const windowSince = new Date(now - Math.max(1, args.windowHours) * 3_600_000);
  const open: Row[] = await openStatement.all(sql, { tenantId: args.tenantId, contactId, since: windowSince });

  const repeat = args.subjectKey ? open.find((r) => r.subjectKey === args.subjectKey) : undefined;
  return {
    repeatOf: repeat ? ref(repeat) : null,
    correlated: open[0] ? ref(open[0]) : null,
    newestFromSender: recent[0] ? ref(recent[0]) : null,
    recentTickets: {
      burst: recent.filter((r) => r.createdAt.getTime() >= burstSince).length,
      hour: recent.length,
    },
  };
}
