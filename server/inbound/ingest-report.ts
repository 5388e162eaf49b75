/**
 * Mail to a tenant's report mailboxes: TLS-RPT reports (R-STS-3) and DMARC aggregate reports (R-X-1) are
 * stored, each report once, and never open a ticket. The activity row says what became of them.
 */
import type { ActivityOutcome } from "../activity/record-activity";
import { recordActivity } from "../activity/record-activity";
import type { Db } from "../db/client";
import { TRANSACTION_OPTIONS } from "../db/transactions";
import { ingestDmarcReportMail } from "../dmarc/store-report";
import { describeTlsReportResults, ingestTlsReportMail, isAuthenticatedReportMail } from "../tls-reports/ingest-tls-report-mail";
import { elapsedMs, inboundActivity, type InboundOutcome, type ReceivedMessage } from "./received-message";
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
  await db.$transaction(async (tx) => {
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
