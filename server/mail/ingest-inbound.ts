/**
 * One inbound message, as the MTA received it, into the database (R-IN-2…10, R-ACT-1). The MTA answers 250 only
 * after this resolves, and 451 when it rejects: every write for a recipient group — message, raw source,
 * attachments, ticket change, auto-acknowledgement and activity row — is one transaction, so an accepted
 * message is committed whole and a failed one leaves nothing behind for the retry to trip over.
 *
 * Per message: parse once, authenticate once (mailauth, through `deps.authenticate`). Then per tenant and
 * purpose of the envelope recipients:
 *   - ticket mail (tenant mailbox, reply address): dedupe → authentication policy → blocklist → threading →
 *     automatic-mail rule → routing → ticket + message → auto-acknowledgement;
 *   - DMARC / TLS reports: accepted and logged (parsing them is the reports' own job);
 *   - DSNs to a VERP bounce address: applied to the outbound message they belong to.
 * Ingestion for one tenant is serialised by a lock on its Tenant row (taken first in each transaction): ticket
 * numbers, the duplicate check and the per-sender acknowledgement limit stay exact with several MTA processes,
 * on PostgreSQL (row lock) and SQLite (the write lock, waited for by the busy timeout).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Db, Tx } from "../db/client";
import { insertRow, newRowId, sqlBoolean } from "../db/raw-sql";
import type { Resolver } from "../dns/resolver";
import { AppError, isAppError } from "../errors";
import { recordActivity, type ActivityOutcome, type ActivityRow } from "../activity/record-activity";
import { ingestDmarcReportMail } from "../dmarc/store-report";
import { applyDsn } from "../outbound/apply-dsn";
import { isUniqueViolation } from "../clients/prisma-errors";
import { composeOutboundMessage } from "../outbound/compose-message";
import { dkimSignMessage } from "../outbound/dkim-sign";
import { outboundMessageId } from "../outbound/message-id";
import { sendingDomainPrivateKey } from "../sending-domains/manage-sending-domains";
import { resolveFromAddress } from "../sending-domains/resolve-from-address";
import { bounceAddress, replyAddress, tenantMailbox } from "./addresses";
import { parseDsn } from "./dsn";
import { detectAutomaticMail, mayAutoAcknowledge, type AutomaticMailVerdict } from "./automatic-mail";
import { authenticateMessage, type AuthenticationResult } from "./authenticate";
import { autoAckValues, DEFAULT_ACK_SUBJECT, DEFAULT_ACK_TEMPLATE, renderAutoAck } from "./auto-ack-template";
import { matchBlocklist, type BlocklistEntry } from "./blocklist";
import { parseMessage, type ParsedMessage } from "./parse-message";
import { resolveRecipient, type RecipientTarget } from "./recipients";
import { normaliseSenderAddress, routeSender, type Route } from "./routing";
import { findThread } from "./threading";
import { describeTlsReportResults, ingestTlsReportMail } from "../tls-reports/ingest-tls-report-mail";

export type IngestDeps = {
  secret: string;
  inboundDomain: string;
  /** DNS for SPF/DKIM/DMARC/ARC (DNS_SERVERS). */
  resolver: Resolver;
  trustedArcSealers: string[];
  now?: () => Date;
};

export const ingestInboundInput = z.object({
  /** The message exactly as received (after SMTP dot-unstuffing). */
  raw: z.instanceof(Buffer),
  remoteIp: z.string().max(64),
  helo: z.string().max(512).nullable(),
  /** MAIL FROM without angle brackets; "" is the null sender. */
  mailFrom: z.string().max(1024),
  /** The RCPT TO addresses the MTA accepted. */
  recipients: z.array(z.string().max(1024)).min(1).max(1000),
  /** End of DATA: processing time in the activity log is measured from here. */
  receivedAt: z.date(),
});
export type IngestInboundInput = z.infer<typeof ingestInboundInput>;

export type InboundOutcome = {
  tenantId: string;
  recipients: string[];
  outcome: ActivityOutcome;
  reason: string;
  ticketId?: string;
  ticketNumber?: number;
  messageId?: string;
  createdTicket?: boolean;
  autoAckMessageId?: string;
};

export type IngestResult = { outcomes: InboundOutcome[] };

/** The activity reason of an auto-acknowledgement's QUEUED row; also what the per-sender limit counts. */
export const AUTO_ACK_REASON = "auto-acknowledgement";

const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 30_000 };

/**
 * Ingests one received message. Resolves with what happened per recipient group; rejects only when the
 * database (or DNS, via authentication) failed, in which case nothing was committed for the failing group and
 * the MTA answers 451 so the sender retries (groups already committed are then recognised as duplicates).
 */
export async function ingestInbound(db: Db, deps: IngestDeps, rawInput: IngestInboundInput): Promise<IngestResult> {
  const input = ingestInboundInput.parse(rawInput);
  const ctx = { secret: deps.secret, inboundDomain: deps.inboundDomain };

  const targets: RecipientTarget[] = [];
  for (const address of new Set(input.recipients.map((r) => r.trim().toLowerCase()))) {
    const target = await resolveRecipient(db, ctx, address);
    if (target) targets.push(target);
  }
  // Every recipient's tenant was deleted between RCPT and end of DATA: there is no one to deliver to.
  if (!targets.length) return { outcomes: [] };

  const parsed = await parseMessage(input.raw);
  const auth = await authenticateMessage({
    raw: input.raw,
    ip: input.remoteIp,
    helo: input.helo ?? "",
    mailFrom: input.mailFrom,
    resolver: deps.resolver,
    trustedArcSealers: deps.trustedArcSealers,
  });
  // A DNS failure behind a verdict that could have dropped the message: neither drop nor deliver on a guess.
  // 451 makes the sender retry in minutes, which is what a receiving MTA does on a DNS temperror.
  if (auth.transient) {
    throw new AppError("UNAVAILABLE", `authentication DNS look-ups failed temporarily (${auth.details.error ?? "temperror"})`);
  }

  const groups = new Map<string, { purpose: "ticket" | "report" | "bounce"; targets: RecipientTarget[] }>();
  for (const t of targets) {
    const purpose = t.kind === "mailbox" || t.kind === "reply" ? "ticket" : t.kind === "bounce" ? "bounce" : "report";
    // Each bounce address is its own outbound message; everything else groups per tenant.
    const key = `${t.tenantId}\0${purpose}\0${purpose === "bounce" ? t.messageId : ""}`;
    const group = groups.get(key) ?? { purpose, targets: [] };
    group.targets.push(t);
    groups.set(key, group);
  }

  const message = { input, parsed, auth, deps };
  const outcomes: InboundOutcome[] = [];
  for (const group of groups.values()) {
    if (group.purpose === "ticket") {
      const outcome = await ingestTicketMail(db, message, group.targets);
      if (outcome) outcomes.push(outcome);
    }
    else if (group.purpose === "report") outcomes.push(await ingestReport(db, message, group.targets));
    else outcomes.push(await ingestBounce(db, message, group.targets));
  }
  return { outcomes };
}

type Received = {
  input: IngestInboundInput;
  parsed: ParsedMessage;
  auth: AuthenticationResult;
  deps: IngestDeps;
};

function authJson(auth: AuthenticationResult): string | null {
  try {
    const json = JSON.stringify(auth);
    return json.length > 256 * 1024 ? JSON.stringify({ ...auth, details: "(too large to keep)" }) : json;
  } catch {
    return null;
  }
}

function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

function elapsedMs(m: Received): number {
  return (m.deps.now?.() ?? new Date()).getTime() - m.input.receivedAt.getTime();
}

/** The activity fields every inbound row of this message shares. */
function inboundActivity(m: Received, tenantId: string, targets: RecipientTarget[]): Omit<ActivityRow, "outcome"> {
  const { parsed, input, auth } = m;
  return {
    tenantId,
    direction: "INBOUND",
    envelopeFrom: input.mailFrom || "<>",
    envelopeTo: targets.map((t) => t.address).join(", "),
    fromAddress: parsed.from?.address ?? null,
    toAddress: [...parsed.to, ...parsed.cc].map((a) => a.address).join(", ") || null,
    subject: parsed.subject,
    messageIdHeader: parsed.messageId,
    spf: auth.spf,
    dkim: auth.dkim,
    dmarc: auth.dmarc,
    arc: auth.arc,
    remoteIp: input.remoteIp,
    headers: parsed.headers,
  };
}

type TenantSettings = {
  name: string;
  defaultFromAddress: string | null;
  defaultFromName: string | null;
  autoAckEnabled: boolean;
  autoAckSubject: string | null;
  autoAckTemplate: string | null;
  autoAckPerSenderHour: number;
};

/**
 * Takes the tenant's ingestion lock (see the file header) and reads the settings ingestion needs in the same
 * statement. Must be the transaction's first statement. Null when the tenant no longer exists.
 */
async function lockTenant(tx: Tx, tenantId: string): Promise<TenantSettings | null> {
  type Row = Omit<TenantSettings, "autoAckEnabled" | "autoAckPerSenderHour"> & {
    autoAckEnabled: boolean | number | bigint;
    autoAckPerSenderHour: number | bigint;
  };
  const rows = await tx.$queryRaw<Row[]>`UPDATE "Tenant" SET "ticketSeq" = "ticketSeq" WHERE "id" = ${tenantId}
    RETURNING "name", "defaultFromAddress", "defaultFromName", "autoAckEnabled", "autoAckSubject", "autoAckTemplate",
      "autoAckPerSenderHour"`;
  const row = rows[0];
  if (!row) return null;
  // SQLite returns booleans and integers as numbers (or bigints); PostgreSQL as booleans and numbers.
  return { ...row, autoAckEnabled: sqlBoolean(row.autoAckEnabled), autoAckPerSenderHour: Number(row.autoAckPerSenderHour) };
}

async function nextTicketNumber(tx: Tx, tenantId: string): Promise<number> {
  const rows = await tx.$queryRaw<{ ticketSeq: number | bigint }[]>`
    UPDATE "Tenant" SET "ticketSeq" = "ticketSeq" + 1 WHERE "id" = ${tenantId} RETURNING "ticketSeq"`;
  const value = rows[0]?.ticketSeq;
  if (value === undefined) throw new Error(`tenant ${tenantId} vanished while numbering a ticket`);
  return Number(value);
}

async function ingestTicketMail(db: Db, m: Received, targets: RecipientTarget[]): Promise<InboundOutcome | null> {
  const { parsed, input } = m;
  const tenantId = targets[0]!.tenantId;
  const recipients = targets.map((t) => t.address).sort();
  const base = inboundActivity(m, tenantId, targets);
  const headerFrom = normaliseSenderAddress(parsed.from?.address ?? null);
  const envelopeFrom = normaliseSenderAddress(input.mailFrom);
  const sender = headerFrom ?? envelopeFrom;
  const automatic = detectAutomaticMail(parsed.headers, input.mailFrom);
  // R-IN-10: the same message (Message-Id) to the same recipient is one message, however often it arrives.
  const dedupeKey = sha256(`${tenantId}\0${parsed.messageId}\0${recipients.join(",")}`);
  const result = (outcome: ActivityOutcome, reason: string, extra: Partial<InboundOutcome> = {}): InboundOutcome => ({
    tenantId,
    recipients,
    outcome,
    reason,
    ...extra,
  });

  // A duplicate is caught by the unique dedupeKey when its message row is inserted (the first attempt rolls back
  // whole), which saves a look-up on every message for what is rare: a sender retrying after a lost 250.
  const recordDuplicate = () =>
    db.$transaction(async (tx) => {
      if (!(await lockTenant(tx, tenantId))) return null;
      const duplicate = await tx.message.findUnique({ where: { dedupeKey }, select: { id: true, ticketId: true } });
      if (!duplicate) return null;
      await recordActivity(tx, {
        ...base,
        outcome: "DUPLICATE",
        reason: "already received (same Message-Id and recipient)",
        ticketId: duplicate.ticketId,
        messageId: duplicate.id,
        processingMs: elapsedMs(m),
      });
      return result("DUPLICATE", "duplicate", { ticketId: duplicate.ticketId, messageId: duplicate.id });
    }, TRANSACTION_OPTIONS);

  const shared = { base, headerFrom, envelopeFrom, sender, automatic, dedupeKey, result };
  try {
    return await db.$transaction((tx) => ingestTicketMailIn(tx, m, targets, shared), TRANSACTION_OPTIONS);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const duplicate = await recordDuplicate();
    if (duplicate) return duplicate;
    throw err;
  }
}

type TicketMailShared = {
  base: Omit<ActivityRow, "outcome">;
  headerFrom: string | null;
  envelopeFrom: string | null;
  sender: string | null;
  automatic: AutomaticMailVerdict;
  dedupeKey: string;
  result: (outcome: ActivityOutcome, reason: string, extra?: Partial<InboundOutcome>) => InboundOutcome;
};

async function ingestTicketMailIn(
  tx: Tx,
  m: Received,
  targets: RecipientTarget[],
  c: TicketMailShared,
): Promise<InboundOutcome | null> {
  const { parsed, input, auth, deps } = m;
  const { base, headerFrom, envelopeFrom, sender, automatic, dedupeKey, result } = c;
  const tenantId = targets[0]!.tenantId;
  const slug = targets[0]!.slug;
  const recipients = targets.map((t) => t.address).sort();
  const tenant = await lockTenant(tx, tenantId);
  // Deleted since its recipients were resolved: there is no one to deliver to.
  if (!tenant) return null;

  if (auth.action === "drop") {
    const reason = auth.reason ?? "authentication";
    await recordActivity(tx, { ...base, outcome: "DROPPED", reason, processingMs: elapsedMs(m) });
    return result("DROPPED", reason);
  }

  const entries = await tx.$queryRaw<BlocklistEntry[]>`SELECT "id", "kind", "value" FROM "BlocklistEntry"
    WHERE "tenantId" = ${tenantId} AND "removedAt" IS NULL ORDER BY "createdAt" ASC, "id" ASC`;
  const blocked =
    (headerFrom ? matchBlocklist(entries, headerFrom) : null) ?? (envelopeFrom ? matchBlocklist(entries, envelopeFrom) : null);
  if (blocked) {
    const now = deps.now?.() ?? new Date();
    await tx.blocklistEntry.update({ where: { id: blocked.id }, data: { dropCount: { increment: 1 }, lastDropAt: now } });
    const reason = `blocklist: ${blocked.kind.toLowerCase()} ${blocked.value}`;
    await recordActivity(tx, { ...base, outcome: "DROPPED", reason, blocklistEntryId: blocked.id, processingMs: elapsedMs(m) });
    return result("DROPPED", reason);
  }

  const thread = await findThread(tx, {
    tenantId,
    slug,
    secret: deps.secret,
    inboundDomain: deps.inboundDomain,
    addresses: [
      ...recipients,
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
    const reason = `automatic mail (${automatic.reason ?? "auto-reply"}) does not open a ticket`;
    await recordActivity(tx, { ...base, outcome: "DROPPED", reason, processingMs: elapsedMs(m) });
    return result("DROPPED", reason);
  }

  const now = deps.now?.() ?? new Date();

  let ticket: { id: string; number: number; subject: string; clientId: string | null };
  let created = false;
  let route: string;
  if (thread) {
    type Row = { id: string; number: number | bigint; subject: string; clientId: string | null; status: string };
    const [existing] = await tx.$queryRaw<Row[]>`
      SELECT "id", "number", "subject", "clientId", "status" FROM "Ticket" WHERE "id" = ${thread.ticketId}`;
    if (!existing) throw new Error(`ticket ${thread.ticketId} vanished while threading a reply`);
    ticket = { ...existing, number: Number(existing.number) };
    route = `reply (${thread.via})`;
    // A person writing on a closed or pending ticket wants an answer; automatic mail changes nothing.
    const status = !automatic.automatic && existing.status !== "OPEN" ? "OPEN" : existing.status;
    await tx.$executeRaw`UPDATE "Ticket" SET "lastActivityAt" = ${now}, "updatedAt" = ${now}, "status" = ${status}
      WHERE "id" = ${existing.id}`;
  } else {
    const routed = await routeSender(tx, tenantId, sender);
    const contactId = sender ? await ensureContact(tx, tenantId, sender, parsed.from?.name ?? null, routed, now) : null;
    const number = await nextTicketNumber(tx, tenantId);
    const id = newRowId();
    const reply = replyAddress(deps.secret, { slug, ticketId: id }, deps.inboundDomain);
    const replyToken = reply.slice(0, reply.indexOf("@")).split("-").at(-1)!;
    ticket = { id, number, subject: ticketSubject(parsed.subject), clientId: routed.clientId };
    await insertRow(tx, "Ticket", {
      ...ticket,
      tenantId,
      status: "OPEN",
      requesterId: contactId,
      replyToken,
      createdAt: now,
      updatedAt: now,
      lastActivityAt: now,
    });
    created = true;
    route = `new ticket (${routed.via})`;
  }

  const messageId = newRowId();
  await insertRow(tx, "Message", {
    id: messageId,
    tenantId,
    ticketId: ticket.id,
    direction: "INBOUND",
    kind: automatic.automatic ? "AUTOMATIC" : "REPLY",
    messageIdHeader: parsed.messageId,
    inReplyTo: parsed.inReplyTo,
    references: parsed.references.join(" ") || null,
    threadTopic: parsed.threadTopic,
    threadIndex: parsed.threadIndex,
    fromAddress: parsed.from?.address ?? sender ?? "",
    fromName: parsed.from?.name || null,
    toJson: JSON.stringify(parsed.to),
    ccJson: JSON.stringify(parsed.cc),
    subject: parsed.subject,
    sentAt: input.receivedAt,
    textBody: parsed.text,
    newText: parsed.newText,
    htmlBody: parsed.html,
    headersJson: JSON.stringify(parsed.headers),
    spf: auth.spf,
    dkim: auth.dkim,
    dmarc: auth.dmarc,
    arc: auth.arc,
    authJson: authJson(auth),
    dedupeKey,
    createdAt: now,
  });
  // HTML-only mail opens Formatted (B2); booleans are not bindable on both databases, TRUE is a literal of both.
  if (parsed.textFromHtml) await tx.$executeRaw`UPDATE "Message" SET "textFromHtml" = TRUE WHERE "id" = ${messageId}`;
  await insertRow(tx, "MessageSource", { messageId, raw: new Uint8Array(input.raw) });
  if (parsed.attachments.length) {
    await tx.attachment.createMany({
      data: parsed.attachments.map((a) => ({
        tenantId,
        messageId,
        filename: a.filename.slice(0, 255),
        contentType: a.contentType.slice(0, 255),
        size: a.size,
        contentId: a.contentId,
        inline: a.inline,
        sha256: a.sha256,
        content: new Uint8Array(a.content),
      })),
    });
  }

  let ackNote = "";
  let autoAckMessageId: string | undefined;
  if (created) {
    const ack = await maybeAutoAcknowledge(tx, m, { tenantId, slug, tenant, ticket, sender, automatic, now });
    ackNote = ack.note;
    autoAckMessageId = ack.messageId;
  }

  const reason = `${route}${automatic.automatic ? `; automatic (${automatic.reason ?? "auto-reply"})` : ""}${ackNote}`;
  await recordActivity(tx, {
    ...base,
    outcome: "DELIVERED",
    reason,
    ticketId: ticket.id,
    messageId,
    processingMs: elapsedMs(m),
  });
  return result("DELIVERED", reason, {
    ticketId: ticket.id,
    ticketNumber: ticket.number,
    messageId,
    createdTicket: created,
    ...(autoAckMessageId ? { autoAckMessageId } : {}),
  });
}

function ticketSubject(subject: string): string {
  const s = subject.replace(/\s+/g, " ").trim();
  return (s || "(no subject)").slice(0, 500);
}

/** The requester: the contact with this address, created when new; a contact without a client gets the routed one. */
async function ensureContact(
  tx: Tx,
  tenantId: string,
  email: string,
  name: string | null,
  routed: Route,
  now: Date,
): Promise<string> {
  if (routed.contactId) {
    const contact =
      routed.contact ??
      (await tx.contact.findUniqueOrThrow({ where: { id: routed.contactId }, select: { id: true, clientId: true, name: true } }));
    if ((!contact.clientId && routed.clientId) || (!contact.name && name)) {
      await tx.contact.update({
        where: { id: contact.id },
        data: {
          ...(!contact.clientId && routed.clientId ? { clientId: routed.clientId } : {}),
          ...(!contact.name && name ? { name: name.slice(0, 200) } : {}),
        },
      });
    }
    return contact.id;
  }
  const id = newRowId();
  await insertRow(tx, "Contact", {
    id,
    tenantId,
    email,
    name: name ? name.slice(0, 200) : null,
    clientId: routed.clientId,
    createdAt: now,
    updatedAt: now,
  });
  return id;
}

/**
 * R-IN-9: acknowledge a new ticket only to a human sender (mayAutoAcknowledge: not automatic, not no-reply or
 * mailer-daemon, not our own domain), never to the tenant's own sending addresses (the forwarding mailbox:
 * the seed's loop), at most `autoAckPerSenderHour` per sender per hour. Stored as an OUTBOUND AUTO_ACK message
 * in state QUEUED with its OutboundJob, in the ticket's transaction. Returns a note for the activity reason.
 */
async function maybeAutoAcknowledge(
  tx: Tx,
  m: Received,
  a: {
    tenantId: string;
    slug: string;
    tenant: TenantSettings;
    ticket: { id: string; number: number; subject: string; clientId: string | null };
    sender: string | null;
    automatic: AutomaticMailVerdict;
    now: Date;
  },
): Promise<{ note: string; messageId?: string }> {
  const { deps, parsed } = m;
  if (!a.tenant.autoAckEnabled) return { note: "" };
  const may = mayAutoAcknowledge({
    senderAddress: a.sender,
    automatic: a.automatic.automatic,
    ownDomains: [deps.inboundDomain],
    suppressAutoResponse: a.automatic.suppressAutoResponse ?? false,
  });
  if (!may.ok || !a.sender) return { note: `; no auto-acknowledgement (${may.reason ?? "no sender"})` };
  const sender = a.sender;
  if (await isOwnSendingAddress(tx, a.tenantId, sender, a.tenant.defaultFromAddress)) {
    return { note: "; no auto-acknowledgement (own address)" };
  }
  const since = new Date(a.now.getTime() - 3_600_000);
  const [{ n: recent } = { n: 0 }] = await tx.$queryRaw<{ n: number | bigint }[]>`SELECT COUNT(*) AS "n" FROM "ActivityLog"
    WHERE "tenantId" = ${a.tenantId} AND "toAddress" = ${sender} AND "createdAt" >= ${since}
      AND "direction" = 'OUTBOUND' AND "reason" = ${AUTO_ACK_REASON}`;
  if (Number(recent) >= a.tenant.autoAckPerSenderHour) {
    return { note: `; no auto-acknowledgement (limit of ${a.tenant.autoAckPerSenderHour} per sender per hour)` };
  }

  let from: { address: string; name: string };
  let signing: { domain: string; selector: string; privateKeyPem: string } | null = null;
  try {
    const resolved = await resolveFromAddress(tx, { tenantId: a.tenantId, clientId: a.ticket.clientId });
    from = { address: resolved.address, name: resolved.name };
    signing = {
      domain: resolved.sendingDomain.domain,
      selector: resolved.sendingDomain.selector,
      privateKeyPem: await sendingDomainPrivateKey(tx, deps.secret, a.tenantId, resolved.sendingDomain.id),
    };
  } catch (err) {
    if (!isAppError(err)) throw err;
    // No verified sending domain yet: acknowledge from the tenant's own inbound address, which is the
    // gateway's domain (no DKIM key of the MSP's to sign with, and never an unverified MSP domain, R-OUT-2).
    from = { address: tenantMailbox(a.slug, deps.inboundDomain), name: a.tenant.defaultFromName ?? a.tenant.name };
  }

  const messageId = newRowId();
  const domain = from.address.slice(from.address.lastIndexOf("@") + 1);
  const values = autoAckValues({
    ticketNumber: a.ticket.number,
    subject: a.ticket.subject,
    tenantName: a.tenant.defaultFromName ?? a.tenant.name,
    requesterName: parsed.from?.name || null,
  });
  const subject = renderAutoAck(a.tenant.autoAckSubject || DEFAULT_ACK_SUBJECT, values);
  const text = renderAutoAck(a.tenant.autoAckTemplate || DEFAULT_ACK_TEMPLATE, values);
  const envelopeFrom = bounceAddress(deps.secret, { slug: a.slug, messageId }, deps.inboundDomain);
  let messageIdHeader: string;
  let raw: Buffer;
  try {
    messageIdHeader = outboundMessageId(deps.secret, { tenantSlug: a.slug, ticketId: a.ticket.id, messageId, domain });
    const composed = await composeOutboundMessage({
      from,
      to: [{ address: sender, name: parsed.from?.name ?? null }],
      replyTo: { address: replyAddress(deps.secret, { slug: a.slug, ticketId: a.ticket.id }, deps.inboundDomain) },
      subject,
      text,
      messageId: messageIdHeader,
      inReplyTo: parsed.messageIdGenerated ? null : parsed.messageId,
      references: parsed.messageIdGenerated ? parsed.references : [...parsed.references, parsed.messageId],
      threadTopic: parsed.threadTopic,
      threadIndex: parsed.threadIndex,
      // RFC 3834 and Microsoft's suppression header: well-behaved responders do not answer this.
      extraHeaders: { "Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All", Precedence: "auto_reply" },
      date: a.now,
    });
    raw = signing ? await dkimSignMessage(composed, { ...signing, signTime: a.now }) : composed;
  } catch (err) {
    // The sender's address or name cannot be written safely (or signing failed): the ticket still stands.
    return { note: `; no auto-acknowledgement (${err instanceof Error ? err.message.slice(0, 200) : "compose failed"})` };
  }

  await tx.message.create({
    data: {
      id: messageId,
      tenantId: a.tenantId,
      ticketId: a.ticket.id,
      direction: "OUTBOUND",
      kind: "AUTO_ACK",
      messageIdHeader,
      inReplyTo: parsed.messageIdGenerated ? null : parsed.messageId,
      fromAddress: from.address,
      fromName: from.name || null,
      toJson: JSON.stringify([{ address: sender, name: parsed.from?.name ?? null }]),
      subject,
      sentAt: a.now,
      textBody: text,
      newText: text,
      deliveryState: "QUEUED",
      envelopeFrom,
      source: { create: { raw: new Uint8Array(raw) } },
    },
  });
  await tx.outboundJob.create({
    data: {
      tenantId: a.tenantId,
      messageId,
      envelopeFrom,
      recipients: JSON.stringify([sender]),
      raw: new Uint8Array(raw),
      state: "QUEUED",
      nextAttemptAt: a.now,
    },
  });
  await recordActivity(tx, {
    tenantId: a.tenantId,
    direction: "OUTBOUND",
    outcome: "QUEUED",
    reason: AUTO_ACK_REASON,
    envelopeFrom,
    envelopeTo: sender,
    fromAddress: from.address,
    toAddress: sender,
    subject,
    messageIdHeader,
    ticketId: a.ticket.id,
    messageId,
    createdAt: a.now,
  });
  return { note: "; auto-acknowledgement queued", messageId };
}

/** The tenant's own client-facing addresses: acknowledging them would mail the forwarding mailbox itself. */
async function isOwnSendingAddress(tx: Tx, tenantId: string, sender: string, defaultFrom: string | null): Promise<boolean> {
  if (defaultFrom && defaultFrom.toLowerCase() === sender) return true;
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "user" WHERE "tenantId" = ${tenantId} AND "sendAsAddress" = ${sender}
    UNION ALL SELECT "id" FROM "Client" WHERE "tenantId" = ${tenantId} AND "sendingAddress" = ${sender}`;
  return rows.length > 0;
}

async function ingestReport(db: Db, m: Received, targets: RecipientTarget[]): Promise<InboundOutcome> {
  const tenantId = targets[0]!.tenantId;
  const kind = targets.map((t) => t.kind).join(", ");
  let outcome: ActivityOutcome = "DELIVERED";
  let reason = "report";
  if (targets.some((t) => t.kind === "tls-reports")) {
    // R-STS-3: TLS-RPT reports are parsed and stored, each report once (server/tls-reports).
    const { attachments, text } = m.parsed;
    reason = describeTlsReportResults(await ingestTlsReportMail(db, { tenantId, attachments, text, raw: m.input.raw }));
  }
  await db.$transaction(async (tx) => {
    // R-X-1: DMARC aggregate reports are stored (once per reporter and report id), never a ticket.
    if (targets.some((t) => t.kind === "dmarc-reports")) {
      const dmarc = await ingestDmarcReportMail(tx, { tenantId, parsed: m.parsed, envelopeFrom: m.input.mailFrom });
      reason = dmarc.reason;
      if (!dmarc.outcomes.length) outcome = "DROPPED";
      else if (dmarc.outcomes.every((o) => o.status === "duplicate" || (o.status === "malformed" && o.duplicate))) outcome = "DUPLICATE";
    }
    await recordActivity(tx, {
      ...inboundActivity(m, tenantId, targets),
      outcome,
      reason,
      remoteReply: kind,
      processingMs: elapsedMs(m),
    });
  }, TRANSACTION_OPTIONS);
  return { tenantId, recipients: targets.map((t) => t.address), outcome, reason };
}

/** R-IN-8 second half: a DSN to a VERP address updates the outbound message it belongs to (applyDsn). */
async function ingestBounce(db: Db, m: Received, targets: RecipientTarget[]): Promise<InboundOutcome> {
  const target = targets[0]!;
  const tenantId = target.tenantId;
  const recipients = targets.map((t) => t.address);
  const base = inboundActivity(m, tenantId, targets);
  const report = await parseDsn(m.input.raw);
  // The recipient that failed for good decides; otherwise the first one (a delay notice, say).
  const dsn = report?.recipients.find((r) => r.action === "failed") ?? report?.recipients[0] ?? null;
  const log = async (outcome: ActivityOutcome, reason: string, extra: Partial<ActivityRow> = {}) => {
    await db.$transaction(async (tx) => {
      await recordActivity(tx, { ...base, outcome, reason, processingMs: elapsedMs(m), ...extra });
    }, TRANSACTION_OPTIONS);
    return { tenantId, recipients, outcome, reason };
  };
  if (!dsn || !target.messageId || (dsn.action !== "failed" && dsn.action !== "delayed")) {
    // Out-of-office replies and "delivered"/"relayed" notices to a bounce address change nothing.
    return log("DROPPED", dsn ? `delivery notification (${dsn.action}) needs no action` : "not a delivery status notification (sent to a bounce address)");
  }
  try {
    const applied = await applyDsn(db, {
      tenantId,
      messageId: target.messageId,
      dsn: {
        status: dsn.status,
        diagnosticCode: dsn.diagnosticCode,
        finalRecipient: dsn.finalRecipient,
        spamScore: dsn.spamScore ?? null,
        permanent: dsn.permanent,
      },
      ...(m.deps.now ? { now: m.deps.now() } : {}),
    });
    return await log("DELIVERED", `delivery status notification: ${applied.deliveryState}`, {
      messageId: target.messageId,
      bounceDetail: applied.reason,
    });
  } catch (err) {
    if (isAppError(err) && err.code === "NOT_FOUND") {
      return log("DROPPED", "delivery status notification for an unknown message");
    }
    throw err;
  }
}
