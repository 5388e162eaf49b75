/**
 * What becomes of one inbound ticket mail (R-IN-8, R-AUTO-1, R-AUTO-2): pure, so the MTA and the "try a
 * message" panel decide with the same code and the tests can walk every branch without a database.
 *
 * In order:
 * 1. An alert rule (human and automated mail only: auto-replies and reports keep their fate): DROP drops;
 *    CLOSE appends to the thread or the correlated ticket and closes it; APPEND appends there (or opens a ticket
 *    when there is none); OPEN opens a ticket with the rule's client and status, still subject to folding.
 * 2. A reply to one of our tickets lands on it (R-IN-6).
 * 3. An auto-reply or a report that threads nowhere opens nothing.
 * 4. A repeat folds into its open ticket (same sender and subject key within the window): automated mail always,
 *    human mail only past a burst of more than BURST_TICKETS new tickets from that sender in BURST_MINUTES.
 * 5. Past the per-sender cap of new tickets per hour, the mail is appended to the sender's newest ticket.
 * 6. Otherwise a new ticket, marked Automated for automated mail.
 */
import type { MailClass } from "../mail/automatic-mail";
import type { AlertRuleAction } from "../alert-rules/match-alert-rule";

export const BURST_TICKETS = 5;
export const BURST_MINUTES = 10;

export type TicketRef = { id: string; number: number };

export type FateInput = {
  mailClass: MailClass;
  rule: { id: string; name: string; action: AlertRuleAction; clientId: string | null; ticketStatus: string | null } | null;
  /** The ticket the mail threads into (reply address, In-Reply-To/References), if any. */
  thread: TicketRef | null;
  /** An open ticket from the same sender with the same subject key, opened within the fold window. */
  repeatOf: TicketRef | null;
  /** The newest open ticket from the same sender within the fold window, whatever its subject (rules' correlation). */
  correlated: TicketRef | null;
  /** The sender's newest ticket, open or not (where mail past the hourly cap goes). */
  newestFromSender: TicketRef | null;
  /** New tickets this sender opened in the last BURST_MINUTES, and in the last hour. */
  recentTickets: { burst: number; hour: number };
  newTicketsPerSenderHour: number;
};

export type TicketFate =
  | { kind: "drop"; reason: string; ruleId: string | null }
  | { kind: "append"; ticket: TicketRef; why: "thread" | "repeat" | "rule" | "cap"; close: boolean; ruleId: string | null }
  | { kind: "open"; automated: boolean; clientId: string | null; status: string; ruleId: string | null };

export function decideTicketFate(i: FateInput): TicketFate {
  const ruleId = i.rule?.id ?? null;
  const automated = i.mailClass === "automated";
  const ticketMail = i.mailClass === "human" || automated;
  const rule = ticketMail ? i.rule : null;

  if (rule?.action === "DROP") return { kind: "drop", reason: `alert rule “${rule.name}”: drop`, ruleId };
  if (rule?.action === "CLOSE" || rule?.action === "APPEND") {
    const target = i.thread ?? i.correlated;
    const close = rule.action === "CLOSE";
    if (target) return { kind: "append", ticket: target, why: i.thread ? "thread" : "rule", close, ruleId };
    if (close) return { kind: "drop", reason: `alert rule “${rule.name}”: no open ticket from this sender to close`, ruleId };
  }

  if (i.thread) return { kind: "append", ticket: i.thread, why: "thread", close: false, ruleId };
  if (!ticketMail) {
    return { kind: "drop", reason: `${i.mailClass === "report" ? "a report" : "an auto-reply"} does not open a ticket`, ruleId: null };
  }

  const folds = automated || i.recentTickets.burst > BURST_TICKETS;
  if (folds && i.repeatOf) return { kind: "append", ticket: i.repeatOf, why: "repeat", close: false, ruleId };
  if (i.newestFromSender && i.recentTickets.hour >= i.newTicketsPerSenderHour) {
    return { kind: "append", ticket: i.newestFromSender, why: "cap", close: false, ruleId };
  }
  const opening = rule?.action === "OPEN" ? rule : null;
  return { kind: "open", automated, clientId: opening?.clientId ?? null, status: opening?.ticketStatus ?? "OPEN", ruleId };
}

/** The fate in words, for the activity detail (R-AUTO-3). */
export function describeTicketFate(fate: TicketFate, limits: { newTicketsPerSenderHour: number }): string {
  switch (fate.kind) {
    case "drop":
      return `dropped: ${fate.reason}`;
    case "open":
      return fate.automated ? "opened a new ticket, marked Automated" : "opened a new ticket";
    case "append":
      switch (fate.why) {
        case "thread":
          return `appended to #${fate.ticket.number}, which it replies to${fate.close ? ", and closed it (recovery)" : ""}`;
        case "repeat":
          return `repeat of #${fate.ticket.number}: appended instead of opening a new ticket`;
        case "rule":
          return `appended to #${fate.ticket.number}, the sender's newest open ticket${fate.close ? ", and closed it (recovery)" : ""}`;
        case "cap":
          return `appended to #${fate.ticket.number}: this sender reached ${limits.newTicketsPerSenderHour} new tickets in the last hour`;
      }
  }
}
