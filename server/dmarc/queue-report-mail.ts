/**
 * R-X-1, issue 19 item 1: a mail to a tenant's DMARC-report mailbox is accepted by storing its report files as
 * received (compressed, as attached) in DmarcReportJob rows: a few small inserts, whatever the files unpack to.
 * Reading them is process-report-jobs.ts's, in the background. Unauthenticated mail can fill this mailbox, so the
 * files queued are bounded per tenant and per sender each day; a mail over either quota is logged and not queued.
 */
import type { Tx } from "../db/client";
import type { ParsedMessage } from "../mail/parse-message";
import { reportFilesOfMessage } from "./store-report";

export type ReportQuotas = { perTenantPerDay: number; perSenderPerDay: number };

/**
 * A tenant watching a few hundred client domains gets one report per domain and reporter a day; these leave room
 * for that and stop one sender (or everyone together) from making the MTA read thousands of files for it.
 */
export const REPORT_QUOTAS: ReportQuotas = { perTenantPerDay: 2_000, perSenderPerDay: 500 };

const DAY_MS = 24 * 60 * 60 * 1000;

export type QueuedReportMail = { jobIds: string[]; reason: string; overQuota: boolean };

/** The reporter's domain as the mail names it: header From, else the envelope sender; "" when neither has one. */
export function reportSenderDomain(parsed: Pick<ParsedMessage, "from">, envelopeFrom: string): string {
  const sender = parsed.from?.address ?? envelopeFrom;
  return sender.includes("@") ? sender.slice(sender.lastIndexOf("@") + 1).toLowerCase().slice(0, 253) : "";
}

/** Queues the report files of one mail in the caller's transaction (see the file header). */
export async function queueDmarcReportMail(
  tx: Tx,
  params: { tenantId: string; parsed: Pick<ParsedMessage, "attachments" | "text" | "from">; envelopeFrom: string; now: Date },
  quotas: ReportQuotas = REPORT_QUOTAS,
): Promise<QueuedReportMail> {
  const { tenantId, now } = params;
  const files = reportFilesOfMessage(params.parsed);
  if (!files.length) {
    return { jobIds: [], overQuota: false, reason: "DMARC report mailbox: the message carries no report (no .xml, .xml.gz or .zip attachment, no XML body)" };
  }
  const sender = reportSenderDomain(params.parsed, params.envelopeFrom);
  const since = new Date(now.getTime() - DAY_MS);
  const [forTenant, fromSender] = await Promise.all([
    tx.dmarcReportJob.count({ where: { tenantId, createdAt: { gte: since } } }),
    tx.dmarcReportJob.count({ where: { tenantId, sender, createdAt: { gte: since } } }),
  ]);
  if (forTenant + files.length > quotas.perTenantPerDay) {
    return { jobIds: [], overQuota: true, reason: `DMARC report not read: this tenant's mailbox has had ${forTenant} report files in 24 hours (at most ${quotas.perTenantPerDay})` };
  }
  if (fromSender + files.length > quotas.perSenderPerDay) {
    return {
      jobIds: [],
      overQuota: true,
      reason: `DMARC report not read: ${sender || "this sender"} has sent ${fromSender} report files in 24 hours (at most ${quotas.perSenderPerDay})`,
    };
  }
  const jobIds: string[] = [];
  for (const file of files) {
    const job = await tx.dmarcReportJob.create({
      data: { tenantId, sender, fileName: file.fileName?.slice(0, 255) ?? null, bytes: new Uint8Array(file.bytes), createdAt: now },
      select: { id: true },
    });
    jobIds.push(job.id);
  }
  const names = files.map((f) => f.fileName ?? "(body)").join(", ");
  return { jobIds, overQuota: false, reason: `DMARC report received, queued for reading: ${names}`.slice(0, 1000) };
}

const listeners = new Set<() => void>();

/** Called by whoever reads the queue (the MTA's report job) to hear of new files at once. */
export function onDmarcReportQueued(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** After the queuing transaction committed: wakes this process's reader (other processes poll). */
export function notifyDmarcReportQueued(): void {
  for (const listener of listeners) listener();
}
