/**
 * The spam and malware step in front of ticket mail (R-SPAM-1…3): scan, then either hold the message in the
 * Spam queue or hand it to ingestTicketMail with its verdict (stored on the message, shown on the badge). Mail
 * the tenant's blocklist or DMARC policy drops anyway is not scanned (ingestTicketMail drops it). Scanning runs
 * outside any database transaction; a configured scanner that is down throws (→ 451 4.7.1) unless
 * SPAM_FAIL_OPEN. Quarantined mail gets no acknowledgement, no alert rule, no notification: it never reaches
 * the ticket steps at all.
 */
import { createHash } from "node:crypto";
import { recordActivity } from "../activity/record-activity";
import type { Db, Tx } from "../db/client";
import { TRANSACTION_OPTIONS } from "../db/transactions";
import { matchBlocklist } from "../mail/blocklist";
import { blocklistInForce } from "./blocklist-entries";
import { scanMessage, scannerConfigured } from "../spam/scan-message";
import { describeScan, type ScanVerdict } from "../spam/scan-verdict";
import { normaliseSenderAddress } from "../mail/addresses";
import { lockTenant } from "../tenants/lock-tenant";
import { ingestTicketMail } from "./ingest-ticket-mail";
import { elapsedMs, inboundActivity, ingestNow, type InboundOutcome, type ReceivedMessage } from "./received-message";
import type { RecipientTarget } from "./recipients";

export async function screenTicketMail(db: Db, m: ReceivedMessage, targets: RecipientTarget[]): Promise<InboundOutcome | null> {
  const scanner = m.deps.scanner;
  const tenantId = targets[0]!.tenantId;
  if (!scannerConfigured(scanner) || m.auth.action === "drop" || (await senderBlocked(db, tenantId, m))) {
    return ingestTicketMail(db, m, targets);
  }
  const tenant = await db.tenant.findUnique({ where: { id: tenantId }, select: { spamThreshold: true } });
  if (!tenant) return null;
  const verdict = await scanMessage(scanner, {
    raw: m.input.raw,
    attachments: m.parsed.attachments,
    ip: m.input.remoteIp,
    helo: m.input.helo,
    mailFrom: m.input.mailFrom,
    recipients: targets.map((t) => t.address),
    tenantId,
    auth: { spf: m.auth.spf, dkim: m.auth.dkim, dmarc: m.auth.dmarc },
    threshold: tenant.spamThreshold,
  });
  if (verdict && (verdict.status === "spam" || verdict.status === "malware")) {
    return db.$transaction((tx) => quarantine(tx, m, targets, verdict), TRANSACTION_OPTIONS);
  }
  return ingestTicketMail(db, verdict ? { ...m, scan: verdict } : m, targets);
}

async function senderBlocked(db: Db, tenantId: string, m: ReceivedMessage): Promise<boolean> {
  const entries = await blocklistInForce(db, tenantId);
  if (!entries.length) return false;
  const senders = [normaliseSenderAddress(m.parsed.from?.address ?? null), normaliseSenderAddress(m.input.mailFrom)];
  return senders.some((s) => s && matchBlocklist(entries, s));
}

/** Holds the message in the Spam queue: one row with the raw source, one QUARANTINED activity row. */
async function quarantine(tx: Tx, m: ReceivedMessage, targets: RecipientTarget[], verdict: ScanVerdict): Promise<InboundOutcome | null> {
  const tenantId = targets[0]!.tenantId;
  if (!(await lockTenant(tx, tenantId))) return null;
  const recipients = targets.map((t) => t.address).sort();
  const reason = describeScan(verdict);
  const base = { ...inboundActivity(m, tenantId, targets), processingMs: elapsedMs(m) };
  const dedupeKey = createHash("sha256").update(`quarantine\0${tenantId}\0${m.parsed.messageId}\0${recipients.join(",")}`).digest("hex");
  // R-IN-10: a sender retrying after a lost 250 gets one queue item.
  if (await tx.quarantinedMessage.findUnique({ where: { dedupeKey }, select: { id: true } })) {
    await recordActivity(tx, { ...base, outcome: "DUPLICATE", reason: "already received (same Message-Id and recipient); in the Spam queue" });
    return { tenantId, recipients, outcome: "DUPLICATE", reason: "duplicate" };
  }
  await tx.quarantinedMessage.create({
    data: {
      tenantId,
      createdAt: ingestNow(m),
      kind: verdict.status === "malware" ? "MALWARE" : "SPAM",
      scanJson: JSON.stringify(verdict),
      reason,
      envelopeFrom: m.input.mailFrom,
      recipients: recipients.join(","),
      fromAddress: m.parsed.from?.address ?? null,
      subject: m.parsed.subject.slice(0, 998),
      remoteIp: m.input.remoteIp,
      helo: m.input.helo,
      raw: new Uint8Array(m.input.raw),
      dedupeKey,
    },
  });
  await recordActivity(tx, {
    ...base,
    outcome: "QUARANTINED",
    reason,
    decisions: [reason, "held in the Spam queue: no ticket, no acknowledgement, no alert rule, no notification"],
  });
  return { tenantId, recipients, outcome: "QUARANTINED", reason };
}
