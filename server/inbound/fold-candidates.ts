/**
 * The tickets a new mail from `sender` could fold into (R-AUTO-1) or that an alert rule correlates with
 * (R-AUTO-2), and how many tickets that sender opened lately: two small indexed reads (Ticket by tenant,
 * requester, status, createdAt), run only for mail that threads nowhere. Read-only, so the "try a message"
 * panel can call it too.
 */
import type { Db, Tx } from "../db/client";
import { BURST_MINUTES, type FateInput, type TicketRef } from "./ticket-fate";

export type FoldCandidates = Pick<FateInput, "repeatOf" | "correlated" | "newestFromSender" | "recentTickets">;

const NONE: FoldCandidates = { repeatOf: null, correlated: null, newestFromSender: null, recentTickets: { burst: 0, hour: 0 } };
/** Open tickets looked at for a subject match: a sender with more open tickets than this inside the window is a flood the hourly cap already handles. */
const OPEN_SCAN = 100;

type Row = { id: string; number: number | bigint; subjectKey: string | null; createdAt: Date | string };
const ref = (r: Row): TicketRef => ({ id: r.id, number: Number(r.number) });

export async function findFoldCandidates(
  db: Db | Tx,
  args: { tenantId: string; sender: string | null; subjectKey: string; windowHours: number; now: Date },
): Promise<FoldCandidates> {
  if (!args.sender) return NONE;
  const contacts = await db.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Contact" WHERE "tenantId" = ${args.tenantId} AND "email" = ${args.sender}`;
  const contactId = contacts[0]?.id;
  if (!contactId) return NONE;

  const now = args.now.getTime();
  const hourAgo = new Date(now - 3_600_000);
  const burstSince = now - BURST_MINUTES * 60_000;
  const recent = await db.$queryRaw<Row[]>`SELECT "id", "number", "subjectKey", "createdAt" FROM "Ticket"
    WHERE "tenantId" = ${args.tenantId} AND "requesterId" = ${contactId} AND "createdAt" >= ${hourAgo}
    ORDER BY "createdAt" DESC, "number" DESC`;
  const windowSince = new Date(now - Math.max(1, args.windowHours) * 3_600_000);
  const open = await db.$queryRaw<Row[]>`SELECT "id", "number", "subjectKey", "createdAt" FROM "Ticket"
    WHERE "tenantId" = ${args.tenantId} AND "requesterId" = ${contactId} AND "status" <> 'CLOSED'
      AND "mergedIntoId" IS NULL AND "createdAt" >= ${windowSince}
    ORDER BY "createdAt" DESC, "number" DESC LIMIT ${OPEN_SCAN}`;

  const repeat = args.subjectKey ? open.find((r) => r.subjectKey === args.subjectKey) : undefined;
  return {
    repeatOf: repeat ? ref(repeat) : null,
    correlated: open[0] ? ref(open[0]) : null,
    newestFromSender: recent[0] ? ref(recent[0]) : null,
    recentTickets: {
      burst: recent.filter((r) => new Date(r.createdAt).getTime() >= burstSince).length,
      hour: recent.length,
    },
  };
}
