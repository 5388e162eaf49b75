/**
 * Mail to a tenant's mailbox or a ticket's reply address (R-IN-2…10, R-AUTO-1…3): one transaction per recipient
 * group, under the tenant lock. Dedupe → authentication policy → blocklist → threading → class, alert rule and
 * repeats (decideTicketFate) → routing → ticket + message → auto-acknowledgement → activity row, whose
 * decisions say in words what was decided and why.
 */
import { createHash } from "node:crypto";
import { recordActivity, type ActivityOutcome, type ActivityRow } from "../activity/record-activity";
import { isUniqueViolation } from "../clients/prisma-errors";
import type { Db } from "../db/client";
import { preparedQuery } from "../db/prepared";
import { sqlTransaction, type Sql } from "../db/sql";
import { describeAlertRuleConditions, matchAlertRule } from "../alert-rules/match-alert-rule";
import { isSenderAuthenticated } from "../mail/authenticate";
import { classifyMail, describeClassification, type MailClassification } from "../mail/automatic-mail";
import { matchBlocklist } from "../mail/blocklist";
import { normaliseSubject } from "../mail/normalise-subject";
import { findFoldCandidates, type FoldCandidates } from "./fold-candidates";
import { decideTicketFate, describeTicketFate, type TicketFate } from "./ticket-fate";
import { lockTenant } from "../tenants/lock-tenant";
import { maybeAutoAcknowledge } from "./acknowledge";
import { fileTicket, type FilingTarget } from "./file-ticket";
import { elapsedMs, inboundActivity, ingestNow, type InboundOutcome, type ReceivedMessage } from "./received-message";
import type { RecipientTarget } from "./recipients";
import { normaliseSenderAddress } from "../mail/addresses";
import { discardLargeValues, storeInboundMessage, writeLargeValues, type LargeValues } from "./store-inbound-message";
import { describeScan } from "../spam/scan-verdict";
import { readTenantContext } from "./tenant-context";
import { findThread } from "./threading";

// The transaction's fixed statements, compiled once (server/db/prepared.ts).
const countBlocklistDrop = preparedQuery((db, p: { id: string; at: Date }) =>
  db
    .updateTable("BlocklistEntry")
    .set((eb) => ({ dropCount: eb("dropCount", "+", 1), lastDropAt: p.at }))
    .where("id", "=", p.id),
);
const countAlertRuleMatch = preparedQuery((db, p: { id: string; at: Date }) =>
  db
    .updateTable("AlertRule")
    .set((eb) => ({ matchCount: eb("matchCount", "+", 1), lastMatchAt: p.at }))
    .where("id", "=", p.id),
);

/** What the steps of one recipient group share. */
type TicketMail = {
  m: ReceivedMessage;
  tenantId: string;
  slug: string;
  recipients: string[];
  base: Omit<ActivityRow, "outcome">;
  headerFrom: string | null;
  envelopeFrom: string | null;
  sender: string | null;
  classification: MailClassification;
  dedupeKey: string;
};

/** Where the body starts: after the first empty line (CRLF or bare LF), else nowhere (a message of headers). */
function bodyOf(raw: Buffer): Buffer {
  const crlf = raw.indexOf("\r\n\r\n");
  const lf = raw.indexOf("\n\n");
  if (crlf < 0 && lf < 0) return raw.subarray(raw.length);
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf + 2;
  return raw.subarray(end);
}

/**
 * R-IN-10: the same message to the same recipients is one message, however often it arrives — "the same" being
 * its Message-Id, its sender (From, else the envelope sender) and its body. The Message-Id alone is chosen by the
 * sender, so anyone could squat a message's id and make the real one look like a duplicate (issue 19 item 5); a
 * retry after a lost 250 carries the same From and body, while headers (Received) may differ, so they are left out.
 */
export function dedupeKeyOf(
  tenantId: string,
  messageId: string,
  recipients: string[],
  sender: string | null,
  raw: Buffer,
): string {
  const body = createHash("sha256").update(bodyOf(raw)).digest("hex");
  return createHash("sha256")
    .update(`${tenantId}\0${messageId}\0${recipients.join(",")}\0${sender ?? ""}\0${body}`)
    .digest("hex");
}

/** Null when the tenant was deleted since its recipients were resolved: there is no one to deliver to. */
export async function ingestTicketMail(
  db: Db,
  m: ReceivedMessage,
  targets: RecipientTarget[],
): Promise<InboundOutcome | null> {
  const { parsed, input } = m;
  const tenantId = targets[0]!.tenantId;
  const recipients = targets.map((t) => t.address).sort();
  const headerFrom = normaliseSenderAddress(parsed.from?.address ?? null);
  const envelopeFrom = normaliseSenderAddress(input.mailFrom);
  const mail: TicketMail = {
    m,
    tenantId,
    slug: targets[0]!.slug,
    recipients,
    base: inboundActivity(m, tenantId, targets),
    headerFrom,
    envelopeFrom,
    sender: headerFrom ?? envelopeFrom,
    classification: classifyMail(parsed.headers, input.mailFrom),
    dedupeKey: dedupeKeyOf(tenantId, parsed.messageId, recipients, headerFrom ?? envelopeFrom, input.raw),
  };
  try {
    // Kysely on the driver (server/db/sql.ts): the per-message transaction is the MTA's hottest code.
    return await sqlTransaction(db, async (tx) => {
      // On PostgreSQL a large message's chunks come before the tenant lock, which is not held while they are written.
      const values = await writeLargeValues(tx, m);
      const outcome = await ingestIn(tx, mail, values);
      if (outcome?.messageId !== values.messageId) await discardLargeValues(tx, values);
      return outcome;
    });
  } catch (err) {
    // A duplicate is caught by the unique dedupeKey when its message row is inserted (the first attempt rolls
    // back whole), which saves a look-up on every message for what is rare: a sender retrying after a lost 250.
    if (!isUniqueViolation(err)) throw err;
    const duplicate = await sqlTransaction(db, (tx) => recordDuplicate(tx, mail));
    if (duplicate) return duplicate;
    throw err;
  }
}

function outcomeOf(
  c: TicketMail,
  outcome: ActivityOutcome,
  reason: string,
  extra: Partial<InboundOutcome> = {},
): InboundOutcome {
  return { tenantId: c.tenantId, recipients: c.recipients, outcome, reason, ...extra };
}

async function recordDuplicate(tx: Sql, c: TicketMail): Promise<InboundOutcome | null> {
  if (!(await lockTenant(tx, c.tenantId))) return null;
  const duplicate = await tx
    .selectFrom("Message")
    .select(["id", "ticketId"])
    .where("dedupeKey", "=", c.dedupeKey)
    .executeTakeFirst();
  if (!duplicate) return null;
  await recordActivity(tx, {
    ...c.base,
    outcome: "DUPLICATE",
    reason: "already received (same Message-Id, sender, body and recipient)",
    ticketId: duplicate.ticketId,
    messageId: duplicate.id,
    processingMs: elapsedMs(c.m),
  });
  return outcomeOf(c, "DUPLICATE", "duplicate", { ticketId: duplicate.ticketId, messageId: duplicate.id });
}

async function drop(tx: Sql, c: TicketMail, reason: string, extra: Partial<ActivityRow> = {}): Promise<InboundOutcome> {
  extra = { decisions: [describeClassification(c.classification), `dropped: ${reason}`], ...extra };
  await recordActivity(tx, { ...c.base, outcome: "DROPPED", reason, processingMs: elapsedMs(c.m), ...extra });
  return outcomeOf(c, "DROPPED", reason);
}

async function ingestIn(tx: Sql, c: TicketMail, values: LargeValues): Promise<InboundOutcome | null> {
  const { m, tenantId } = c;
  const { parsed, auth, deps } = m;
  const tenant = await lockTenant(tx, tenantId);
  if (!tenant) return null;

  if (auth.action === "drop") return drop(tx, c, auth.reason ?? "authentication");

  const ticketMail = c.classification.mailClass === "human" || c.classification.mailClass === "automated";
  // Rules and repeats concern mail that may open tickets; auto-replies and reports keep their fate (R-IN-8).
  const context = await readTenantContext(tx, { tenantId, sender: c.sender, withRules: ticketMail });
  const entries = context.blocklist;
  const blocked =
    (c.headerFrom ? matchBlocklist(entries, c.headerFrom) : null) ??
    (c.envelopeFrom ? matchBlocklist(entries, c.envelopeFrom) : null);
  if (blocked) {
    await countBlocklistDrop.defer(tx, { id: blocked.id, at: ingestNow(m) });
    return drop(tx, c, `blocklist: ${blocked.kind.toLowerCase()} ${blocked.value}`, { blocklistEntryId: blocked.id });
  }

  const thread = await findThread(tx, {
    tenantId,
    slug: c.slug,
    secret: deps.secret,
    inboundDomain: deps.inboundDomain,
    addresses: [
      ...c.recipients,
      ...parsed.to.map((a) => a.address),
      ...parsed.cc.map((a) => a.address),
      ...parsed.deliveredTo,
      ...parsed.xOriginalTo,
    ],
    inReplyTo: parsed.inReplyTo,
    references: parsed.references,
  });

  const now = ingestNow(m);
  const subjectKey = normaliseSubject(parsed.subject);
  const rule = matchAlertRule(context.rules, {
    senderAddresses: [c.headerFrom, c.envelopeFrom],
    subject: parsed.subject,
    headers: parsed.headers,
  });
  const threadRef = thread ? await ticketRef(tx, thread.ticketId) : null;
  const foldsOrOpens = ticketMail && !threadRef;
  const contact = context.contact;
  const candidates: FoldCandidates = foldsOrOpens
    ? await findFoldCandidates(tx, {
        tenantId,
        sender: c.sender,
        subjectKey,
        windowHours: tenant.foldWindowHours,
        now,
        contact,
      })
    : { repeatOf: null, correlated: null, newestFromSender: null, recentTickets: { burst: 0, hour: 0 } };
  const fate = decideTicketFate({
    mailClass: c.classification.mailClass,
    rule,
    thread: threadRef,
    ...candidates,
    newTicketsPerSenderHour: tenant.newTicketsPerSenderHour,
  });
  const decisions = [...(m.scan ? [describeScan(m.scan)] : []), describeClassification(c.classification)];
  if (rule && fate.ruleId) {
    decisions.push(`alert rule “${rule.name}” (${describeAlertRuleConditions(rule)})`);
    await countAlertRuleMatch.defer(tx, { id: rule.id, at: now });
  }
  const fateWords = describeTicketFate(fate, tenant);
  if (fate.kind === "drop")
    return drop(tx, c, fate.reason, { alertRuleId: fate.ruleId, decisions: [...decisions, fateWords] });
  decisions.push(fateWords);

  const { ticket, created, route } = await fileTicket(tx, m, {
    tenantId,
    target: filingTarget(fate, thread?.via ?? null, c.classification, subjectKey),
    sender: c.sender,
    now,
    route: context.route,
    ticketSeq: tenant.ticketSeq,
  });
  const messageId = await storeInboundMessage(tx, m, values, {
    tenantId,
    ticketId: ticket.id,
    sender: c.sender,
    mailClass: c.classification.mailClass,
    dedupeKey: c.dedupeKey,
    now,
  });
  const ack = created
    ? await maybeAutoAcknowledge(tx, m, {
        tenantId,
        slug: c.slug,
        tenant,
        ticket,
        sender: c.sender,
        classification: c.classification,
        senderAuthenticated: isSenderAuthenticated(auth),
        now,
      })
    : { note: "", decision: "no acknowledgement: only a new ticket is acknowledged" };
  decisions.push(ack.decision);

  const cls = c.classification;
  const reason = `${route}${cls.mailClass === "human" ? "" : `; ${cls.mailClass}${cls.reason ? ` (${cls.reason})` : ""}`}${ack.note}`;
  await recordActivity(tx, {
    ...c.base,
    outcome: "DELIVERED",
    reason,
    ticketId: ticket.id,
    messageId,
    processingMs: elapsedMs(m),
    alertRuleId: fate.ruleId,
    decisions,
  });
  return outcomeOf(c, "DELIVERED", reason, {
    ticketId: ticket.id,
    ticketNumber: ticket.number,
    messageId,
    createdTicket: created,
    ...(ack.messageId ? { autoAckMessageId: ack.messageId } : {}),
  });
}

const ticketRefStatement = preparedQuery((db, p: { id: string }) =>
  db.selectFrom("Ticket").select(["id", "number"]).where("id", "=", p.id),
);

async function ticketRef(tx: Sql, ticketId: string): Promise<{ id: string; number: number } | null> {
  return (await ticketRefStatement.first(tx, { id: ticketId })) ?? null;
}

/** What fileTicket does for a fate that keeps the mail. */
function filingTarget(
  fate: Exclude<TicketFate, { kind: "drop" }>,
  via: string | null,
  cls: MailClassification,
  subjectKey: string,
): FilingTarget {
  if (fate.kind === "open") {
    return { kind: "open", automated: fate.automated, clientId: fate.clientId, status: fate.status, subjectKey };
  }
  const route =
    fate.why === "thread"
      ? `reply (${via ?? "thread"})`
      : fate.why === "repeat"
        ? `repeat of #${fate.ticket.number}`
        : fate.why === "rule"
          ? `appended to #${fate.ticket.number} (alert rule)`
          : `appended to #${fate.ticket.number} (new-ticket limit per sender)`;
  // A person writing on a closed or pending ticket wants an answer; automatic and automated mail change nothing.
  return { kind: "append", ticketId: fate.ticket.id, route, reopen: cls.mailClass === "human", close: fate.close };
}
