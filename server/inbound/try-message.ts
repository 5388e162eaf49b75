/**
 * "Try a message" (R-AUTO-2, R-AUTO-3): what the gateway would do with a pasted raw message, or with a message it
 * already received (an activity row), under today's alert rules — class and why, the rule that matches, the fold
 * target, the ticket's fate and the acknowledgement decision — decided by the same functions the MTA uses, and
 * without storing anything.
 */
import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { listAlertRules } from "../alert-rules/manage-alert-rules";
import { describeAlertRuleConditions, matchAlertRule } from "../alert-rules/match-alert-rule";
import { classifyMail, describeClassification, mayAutoAcknowledge, type HeaderList, type MailClass } from "../mail/automatic-mail";
import { normaliseSenderAddress } from "../mail/addresses";
import { normaliseSubject } from "../mail/normalise-subject";
import { parseMessage } from "../mail/parse-message";
import { findThread } from "./threading";
import { findFoldCandidates } from "./fold-candidates";
import { decideTicketFate, describeTicketFate, type TicketFate } from "./ticket-fate";

/** A pasted message is read like mail is (parseMessage bounds the work); more than this is not a "try". */
export const TRY_MESSAGE_MAX_BYTES = 2 * 1024 * 1024;

export const tryMessageInput = z.union([
  z.object({ raw: z.string().min(1, "Paste a message, headers included.").max(TRY_MESSAGE_MAX_BYTES, "That message is over 2 MB: paste its headers and the start of its body.") }),
  z.object({ activityId: z.string().min(1).max(64) }),
]);
export type TryMessageInput = z.infer<typeof tryMessageInput>;

export type TryMessageResult = {
  from: string | null;
  subject: string;
  subjectKey: string;
  mailClass: MailClass;
  classification: string;
  rule: { id: string; name: string; conditions: string } | null;
  fate: TicketFate;
  outcome: string;
  acknowledgement: string;
};

type Facts = { headers: HeaderList; from: string | null; envelopeFrom: string | null; subject: string; inReplyTo: string | null; references: string[] };

async function factsOf(db: Db, tenantId: string, input: TryMessageInput): Promise<Facts> {
  if ("raw" in input) {
    const raw = Buffer.from(input.raw.replace(/\r?\n/g, "\r\n"), "utf8");
    const parsed = await parseMessage(raw);
    if (!parsed.headers.length) throw new AppError("BAD_INPUT", "That does not look like an email: it has no headers.", { field: "raw" });
    return {
      headers: parsed.headers,
      from: normaliseSenderAddress(parsed.from?.address ?? null),
      envelopeFrom: null,
      subject: parsed.subject,
      inReplyTo: parsed.messageIdGenerated ? null : parsed.inReplyTo,
      references: parsed.references,
    };
  }
  const row = await db.activityLog.findFirst({
    where: { id: input.activityId, tenantId, direction: "INBOUND" },
    select: { headersJson: true, fromAddress: true, envelopeFrom: true, subject: true },
  });
  if (!row) throw new AppError("NOT_FOUND", "That activity entry does not exist.");
  if (!row.headersJson) throw new AppError("PRECONDITION", "That activity entry kept no headers to try.");
  const headers = JSON.parse(row.headersJson) as [string, string][];
  const value = (name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1] ?? null;
  return {
    headers,
    from: normaliseSenderAddress(row.fromAddress),
    envelopeFrom: row.envelopeFrom ?? "",
    subject: row.subject ?? "",
    inReplyTo: value("in-reply-to"),
    references: (value("references") ?? "").split(/\s+/).filter(Boolean),
  };
}

export async function tryMessage(
  db: Db,
  args: { tenantId: string; secret: string; inboundDomain: string; input: TryMessageInput; now?: Date },
): Promise<TryMessageResult> {
  const facts = await factsOf(db, args.tenantId, args.input);
  const now = args.now ?? new Date();
  const tenant = await db.tenant.findUniqueOrThrow({
    where: { id: args.tenantId },
    select: { slug: true, foldWindowHours: true, newTicketsPerSenderHour: true, autoAckEnabled: true },
  });
  const classification = classifyMail(facts.headers, facts.envelopeFrom);
  const rules = await listAlertRules(db, args.tenantId);
  const rule = matchAlertRule(rules, {
    senderAddresses: [facts.from, facts.envelopeFrom],
    subject: facts.subject,
    headers: facts.headers,
  });
  const subjectKey = normaliseSubject(facts.subject);
  const thread = await db.$transaction((tx) =>
    findThread(tx, {
      tenantId: args.tenantId,
      slug: tenant.slug,
      secret: args.secret,
      inboundDomain: args.inboundDomain,
      addresses: [],
      inReplyTo: facts.inReplyTo,
      references: facts.references,
    }),
  );
  const threadTicket = thread
    ? await db.ticket.findFirst({ where: { id: thread.ticketId, tenantId: args.tenantId }, select: { id: true, number: true } })
    : null;
  const candidates = await findFoldCandidates(db, {
    tenantId: args.tenantId,
    sender: facts.from,
    subjectKey,
    windowHours: tenant.foldWindowHours,
    now,
  });
  const fate = decideTicketFate({
    mailClass: classification.mailClass,
    rule: rule ? { id: rule.id, name: rule.name, action: rule.action, clientId: rule.clientId, ticketStatus: rule.ticketStatus } : null,
    thread: threadTicket,
    ...candidates,
    newTicketsPerSenderHour: tenant.newTicketsPerSenderHour,
  });

  let acknowledgement: string;
  if (fate.kind !== "open") acknowledgement = "No acknowledgement: only a new ticket is acknowledged.";
  else if (!tenant.autoAckEnabled) acknowledgement = "No acknowledgement: acknowledgements are turned off.";
  else {
    const may = mayAutoAcknowledge({
      senderAddress: facts.from,
      classification,
      senderAuthenticated: true,
      ownDomains: [args.inboundDomain],
    });
    acknowledgement = may.ok
      ? "Acknowledged if its sender authenticates on arrival (DMARC pass, or an aligned SPF or DKIM pass where the domain has no DMARC record), up to the per-sender limit."
      : `No acknowledgement: ${may.reason}.`;
  }

  return {
    from: facts.from,
    subject: facts.subject,
    subjectKey,
    mailClass: classification.mailClass,
    classification: describeClassification(classification),
    rule: rule ? { id: rule.id, name: rule.name, conditions: describeAlertRuleConditions(rule) } : null,
    fate,
    outcome: describeTicketFate(fate, tenant),
    acknowledgement,
  };
}
