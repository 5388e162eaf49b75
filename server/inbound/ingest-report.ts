/**
 * Mail to a tenant's report mailboxes: TLS-RPT reports (R-STS-3) and DMARC aggregate reports (R-X-1) are
 * stored, each report once, and never open a ticket. The activity row says what became of them. DMARC report
 * files are only queued here (server/dmarc/queue-report-mail.ts) and read in the background, so a huge report
 * costs the SMTP session a few inserts; the activity row is updated once they are read.
 */
import type { ActivityOutcome } from "../activity/record-activity";
import { recordActivity } from "../activity/record-activity";
import type { Db } from "../db/client";
import { lockTenant } from "../tenants/lock-tenant";
import { TRANSACTION_OPTIONS } from "../db/transactions";
import { notifyDmarcReportQueued, queueDmarcReportMail } from "../dmarc/queue-report-mail";
import { describeTlsReportResults, ingestTlsReportMail, isAuthenticatedReportMail } from "../tls-reports/ingest-tls-report-mail";
import { elapsedMs, inboundActivity, ingestNow, type InboundOutcome, type ReceivedMessage } from "./received-message";
import type { RecipientTarget } from "./recipients";

export async function ingestReport(db: Db, m: ReceivedMessage, targets: RecipientTarget[]): Promise<InboundOutcome> {
  const tenantId = targets[0]!.tenantId;
  const kind = targets.map((t) => t.kind).join(", ");
  let outcome: ActivityOutcome = "DELIVERED";
  let reason = "report";
  if (targets.some((t) => t.kind === "tls-reports")) {
    const { attachments, text } = m.parsed;
    const authenticated = isAuthenticatedReportMail(m.auth);
    reason = describeTlsReportResults(await ingestTlsReportMail(db, { tenantId, attachments, text, raw: m.input.raw, authenticated }));
  }
  let queued: string[] = [];
  await db.$transaction(async (tx) => {
    // The tenant lock first: the DMARC quotas are counted and then written, so two MTA processes must not both
    // count below a quota; and on SQLite a transaction that reads before it writes fails at its first write
    // ("database is locked") whenever another process committed in between, which a first write waits out.
    await lockTenant(tx, tenantId);
    if (targets.some((t) => t.kind === "dmarc-reports")) {
      // Issue 19 item 1: the files are queued as received and read in the background (server/dmarc/).
      const dmarc = await queueDmarcReportMail(tx, { tenantId, parsed: m.parsed, envelopeFrom: m.input.mailFrom, now: ingestNow(m) });
      reason = dmarc.reason;
      queued = dmarc.jobIds;
      // Over quota, the files are kept unread (still stored, so not DROPPED); a mail with no report is dropped.
      if (!queued.length && !dmarc.kept.length) outcome = "DROPPED";
    }
    const activity = await recordActivity(tx, {
      ...inboundActivity(m, tenantId, targets),
      outcome,
      reason,
      remoteReply: kind,
      processingMs: elapsedMs(m),
    });
    if (queued.length) await tx.dmarcReportJob.updateMany({ where: { id: { in: queued } }, data: { activityId: activity.id } });
  }, TRANSACTION_OPTIONS);
  if (queued.length) notifyDmarcReportQueued();
  return { tenantId, recipients: targets.map((t) => t.address), outcome, reason };
}
