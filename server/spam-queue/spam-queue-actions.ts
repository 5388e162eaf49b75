/**
 * What a person does with a Spam queue item (R-SPAM-2): Release (routed as if it had just arrived, learned as
 * ham), Delete, Block sender or domain (blocklist entry, learned as spam). Learning is per tenant (rspamd Bayes,
 * server/spam/rspamd.ts) and happens after the database work: rspamd being down never loses a release or a
 * block, the answer then says the lesson was not learned.
 */
import { addBlocklistEntry, type BlocklistRow } from "../blocklist/manage-blocklist";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { ingestTicketMail } from "../inbound/ingest-ticket-mail";
import { ingestInboundInput, type IngestDeps, type InboundOutcome } from "../inbound/received-message";
import { resolveRecipient, type RecipientTarget } from "../inbound/recipients";
import { authenticateMessage } from "../mail/authenticate";
import { parseMessage } from "../mail/parse-message";
import { rspamdLearn } from "../spam/rspamd";
import { readScanVerdict } from "../spam/scan-verdict";

export type Learned = "learned" | "already" | "not configured" | "rspamd unavailable";

/** Teaches the tenant's Bayes statistics; never throws (the action it follows has already happened). */
export async function learn(deps: Pick<IngestDeps, "scanner">, kind: "spam" | "ham", raw: Buffer, tenantId: string): Promise<Learned> {
  const url = deps.scanner?.rspamdUrl;
  if (!url) return "not configured";
  try {
    return await rspamdLearn(url, kind, raw, tenantId);
  } catch {
    return "rspamd unavailable";
  }
}

async function itemOf(db: Db, tenantId: string, id: string) {
  const item = await db.quarantinedMessage.findFirst({ where: { id, tenantId } });
  if (!item) throw new AppError("NOT_FOUND", "That message is no longer in the Spam queue.");
  return item;
}

export async function deleteQuarantined(db: Db, args: { tenantId: string; id: string }): Promise<void> {
  const { count } = await db.quarantinedMessage.deleteMany({ where: { id: args.id, tenantId: args.tenantId } });
  if (!count) throw new AppError("NOT_FOUND", "That message is no longer in the Spam queue.");
}

/** Release: the message goes through ticket routing again, now; the queue item goes; rspamd learns it as ham. */
export async function releaseQuarantined(
  db: Db,
  deps: IngestDeps,
  args: { tenantId: string; id: string },
): Promise<{ outcome: InboundOutcome | null; learned: Learned }> {
  const item = await itemOf(db, args.tenantId, args.id);
  const raw = Buffer.from(item.raw);
  const input = ingestInboundInput.parse({
    raw,
    remoteIp: item.remoteIp,
    helo: item.helo,
    mailFrom: item.envelopeFrom,
    recipients: item.recipients.split(","),
    receivedAt: deps.now?.() ?? new Date(),
  });
  const ctx = { secret: deps.secret, inboundDomain: deps.inboundDomain };
  const targets: RecipientTarget[] = [];
  for (const address of input.recipients) {
    const t = await resolveRecipient(db, ctx, address);
    if (t && t.tenantId === args.tenantId && (t.kind === "mailbox" || t.kind === "reply")) targets.push(t);
  }
  if (!targets.length) throw new AppError("PRECONDITION", "None of its recipients exists any more; delete it instead.");
  const parsed = await parseMessage(raw);
  const auth = await authenticateMessage({ raw, ip: input.remoteIp, helo: input.helo ?? "", mailFrom: input.mailFrom, resolver: deps.resolver, trustedArcSealers: deps.trustedArcSealers });
  if (auth.transient) throw new AppError("UNAVAILABLE", "DNS look-ups failed for a moment; try again.");
  const verdict = readScanVerdict(item.scanJson) ?? { status: "spam" as const };
  const outcome = await ingestTicketMail(db, { input, parsed, auth, deps, scan: { ...verdict, released: true } }, targets);
  await db.quarantinedMessage.deleteMany({ where: { id: item.id, tenantId: args.tenantId } });
  // Malware is not ham: a released infected message keeps its attachments locked and teaches nothing.
  const learned = item.kind === "MALWARE" ? "not configured" : await learn(deps, "ham", raw, args.tenantId);
  return { outcome, learned };
}

/** Block the sender's address or domain: a blocklist entry, the item goes, rspamd learns it as spam. */
export async function blockQuarantined(
  db: Db,
  deps: IngestDeps,
  args: { tenantId: string; id: string; userId: string | null; what: "sender" | "domain"; confirmed?: boolean | undefined },
): Promise<{ entry: BlocklistRow; learned: Learned }> {
  const item = await itemOf(db, args.tenantId, args.id);
  const sender = (item.fromAddress || item.envelopeFrom).toLowerCase();
  if (!sender.includes("@")) throw new AppError("PRECONDITION", "This message names no sender address to block.");
  const value = args.what === "sender" ? sender : sender.slice(sender.lastIndexOf("@") + 1);
  const entry = await addBlocklistEntry(db, {
    tenantId: args.tenantId,
    userId: args.userId,
    value,
    note: `from the Spam queue: ${item.reason}`.slice(0, 500),
    confirmed: args.confirmed,
    inboundDomain: deps.inboundDomain,
  });
  await db.quarantinedMessage.deleteMany({ where: { id: item.id, tenantId: args.tenantId } });
  const learned = await learn(deps, "spam", Buffer.from(item.raw), args.tenantId);
  return { entry, learned };
}
