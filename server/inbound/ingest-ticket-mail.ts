/**
 * Mail to a tenant's mailbox or a ticket's reply address (R-IN-2…10): one transaction per recipient group,
 * under the tenant lock. Dedupe → authentication policy → blocklist → threading → automatic-mail rule →
 * routing → ticket + message → auto-acknowledgement → activity row.
 */
import { createHash } from "node:crypto";
import { recordActivity, type ActivityOutcome, type ActivityRow } from "../activity/record-activity";
import { isUniqueViolation } from "../clients/prisma-errors";
import type { Db, Tx } from "../db/client";
import { TRANSACTION_OPTIONS } from "../db/transactions";
import { detectAutomaticMail, type AutomaticMailVerdict } from "../mail/automatic-mail";
import { matchBlocklist, type BlocklistEntry } from "../mail/blocklist";
import { lockTenant } from "../tenants/lock-tenant";
import { maybeAutoAcknowledge } from "./acknowledge";
import { fileTicket } from "./file-ticket";
import { elapsedMs, inboundActivity, ingestNow, type InboundOutcome, type ReceivedMessage } from "./received-message";
import type { RecipientTarget } from "./recipients";
import { normaliseSenderAddress } from "./routing";
import { storeInboundMessage } from "./store-inbound-message";
import { findThread } from "./threading";

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
  automatic: AutomaticMailVerdict;
  dedupeKey: string;
};

/** Null when the tenant was deleted since its recipients were resolved: there is no one to deliver to. */
export async function ingestTicketMail(db: Db, m: ReceivedMessage, targets: RecipientTarget[]): Promise<InboundOutcome | null> {
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
    automatic: detectAutomaticMail(parsed.headers, input.mailFrom),
    // R-IN-10: the same message (Message-Id) to the same recipient is one message, however often it arrives.
    dedupeKey: createHash("sha256").update(`${tenantId}\0${parsed.messageId}\0${recipients.join(",")}`).digest("hex"),
  };
  try {
    return await db.$transaction((tx) => ingestIn(tx, mail), TRANSACTION_OPTIONS);
  } catch (err) {
    // A duplicate is caught by the unique dedupeKey when its message row is inserted (the first attempt rolls
    // back whole), which saves a look-up on every message for what is rare: a sender retrying after a lost 250.
    if (!isUniqueViolation(err)) throw err;
    const duplicate = await db.$transaction((tx) => recordDuplicate(tx, mail), TRANSACTION_OPTIONS);
    if (duplicate) return duplicate;
    throw err;
  }
}

function outcomeOf(c: TicketMail, outcome: ActivityOutcome, reason: string, extra: Partial<InboundOutcome> = {}): InboundOutcome {
  return { tenantId: c.tenantId, recipients: c.recipients, outcome, reason, ...extra };
}

async function recordDuplicate(tx: Tx, c: TicketMail): Promise<InboundOutcome | null> {
  if (!(await lockTenant(tx, c.tenantId))) return null;
  const duplicate = await tx.message.findUnique({ where: { dedupeKey: c.dedupeKey }, select: { id: true, ticketId: true } });
  if (!duplicate) return null;
  await recordActivity(tx, {
    ...c.base,
    outcome: "DUPLICATE",
    reason: "already received (same Message-Id and recipient)",
    ticketId: duplicate.ticketId,
    messageId: duplicate.id,
    processingMs: elapsedMs(c.m),
  });
  return outcomeOf(c, "DUPLICATE", "duplicate", { ticketId: duplicate.ticketId, messageId: duplicate.id });
}

async function drop(tx: Tx, c: TicketMail, reason: string, extra: Partial<ActivityRow> = {}): Promise<InboundOutcome> {
  await recordActivity(tx, { ...c.base, outcome: "DROPPED", reason, processingMs: elapsedMs(c.m), ...extra });
  return outcomeOf(c, "DROPPED", reason);
}

async function ingestIn(tx: Tx, c: TicketMail): Promise<InboundOutcome | null> {
  const { m, tenantId, automatic } = c;
  const { parsed, auth, deps } = m;
  const tenant = await lockTenant(tx, tenantId);
  if (!tenant) return null;

  if (auth.action === "drop") return drop(tx, c, auth.reason ?? "authentication");

  const entries = await tx.$queryRaw<BlocklistEntry[]>`SELECT "id", "kind", "value" FROM "BlocklistEntry"
    WHERE "tenantId" = ${tenantId} AND "removedAt" IS NULL ORDER BY "createdAt" ASC, "id" ASC`;
  const blocked =
    (c.headerFrom ? matchBlocklist(entries, c.headerFrom) : null) ??
    (c.envelopeFrom ? matchBlocklist(entries, c.envelopeFrom) : null);
  if (blocked) {
    await tx.blocklistEntry.update({ where: { id: blocked.id }, data: { dropCount: { increment: 1 }, lastDropAt: ingestNow(m) } });
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

  // R-IN-8: automatic mail never opens a ticket; it is kept only where it threads.
  if (automatic.automatic && !thread) {
    return drop(tx, c, `automatic mail (${automatic.reason ?? "auto-reply"}) does not open a ticket`);
  }

  const now = ingestNow(m);
  const { ticket, created, route } = await fileTicket(tx, m, { tenantId, thread, sender: c.sender, automatic, now });
  const messageId = await storeInboundMessage(tx, m, {
    tenantId,
    ticketId: ticket.id,
    sender: c.sender,
    automatic,
    dedupeKey: c.dedupeKey,
    now,
  });
  const ack = created
    ? await maybeAutoAcknowledge(tx, m, { tenantId, slug: c.slug, tenant, ticket, sender: c.sender, automatic, now })
    : { note: "" };

  const reason = `${route}${automatic.automatic ? `; automatic (${automatic.reason ?? "auto-reply"})` : ""}${ack.note}`;
  await recordActivity(tx, { ...c.base, outcome: "DELIVERED", reason, ticketId: ticket.id, messageId, processingMs: elapsedMs(m) });
  return outcomeOf(c, "DELIVERED", reason, {
    ticketId: ticket.id,
    ticketNumber: ticket.number,
    messageId,
    createdTicket: created,
    ...(ack.messageId ? { autoAckMessageId: ack.messageId } : {}),
  });
}
