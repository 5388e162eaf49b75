/**
 * The live forwarding test on the Inbound page (R-X-2): the admin starts it, emails their support address,
 * and the page polls for what the gateway did with inbound mail since the start: the ticket it made, or the
 * check that dropped it, read from the activity log (the one record of every inbound message, R-ACT-1).
 */
import { z } from "zod";
import type { Db } from "../db/client";
import type { ActivityOutcome } from "./record-activity";

/** How far back a test may look: a test page left open longer than this is started again. */
export const FORWARDING_TEST_MAX_AGE_MS = 60 * 60 * 1000;

export const forwardingTestResultsInput = z.object({ since: z.date() });

export type ForwardingTestResult = {
  id: string;
  createdAt: Date;
  outcome: ActivityOutcome;
  reason: string | null;
  fromAddress: string | null;
  subject: string | null;
  spf: string | null;
  dkim: string | null;
  dmarc: string | null;
  ticket: { id: string; number: number; subject: string } | null;
};

/** The start of a test, by the server's clock (the one the activity rows are stamped with). */
export function startForwardingTest(now: Date = new Date()): { startedAt: Date } {
  return { startedAt: now };
}

/**
 * Inbound mail to the tenant's ticket addresses received since `since` (at most the 10 newest), each with its
 * outcome and, when it made or updated a ticket, that ticket. Reports and bounces are not what the admin sent.
 */
export async function forwardingTestResults(
  db: Db,
  args: { tenantId: string; since: Date; now?: Date },
): Promise<ForwardingTestResult[]> {
  const now = args.now ?? new Date();
  const since = new Date(Math.max(args.since.getTime(), now.getTime() - FORWARDING_TEST_MAX_AGE_MS));
  const rows = await db.activityLog.findMany({
    where: {
      tenantId: args.tenantId,
      direction: "INBOUND",
      createdAt: { gte: since },
      OR: [{ reason: null }, { NOT: [{ reason: "report" }, { reason: { startsWith: "delivery status notification" } }] }],
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 10,
    select: {
      id: true,
      createdAt: true,
      outcome: true,
      reason: true,
      fromAddress: true,
      subject: true,
      spf: true,
      dkim: true,
      dmarc: true,
      ticketId: true,
    },
  });
  const ticketIds = [...new Set(rows.map((r) => r.ticketId).filter((id): id is string => Boolean(id)))];
  const tickets = ticketIds.length
    ? await db.ticket.findMany({ where: { tenantId: args.tenantId, id: { in: ticketIds } }, select: { id: true, number: true, subject: true } })
    : [];
  const byId = new Map(tickets.map((t) => [t.id, t]));
  return rows.map(({ ticketId, ...r }) => ({
    ...r,
    outcome: r.outcome as ActivityOutcome,
    ticket: ticketId ? (byId.get(ticketId) ?? null) : null,
  }));
}
