/**
 * R-X-1, issue 19 item 1: a mail to a tenant's DMARC-report mailbox is accepted by storing its report files as
 * received (compressed, as attached) in DmarcReportJob rows: a few small inserts, whatever the files unpack to.
 * Reading them is process-report-jobs.ts's, in the background. Unauthenticated mail can fill this mailbox, so the
 * files queued are bounded per tenant and per sender each day. A mail over either quota is not read, but kept
 * (issue 19 item 1: "a report over the caps is kept truncated with the reason, not silently lost"): each file as a
 * report row an admin sees in the reports list, its bytes cut at MAX_KEPT_BYTES, its parseError naming the quota;
 * these rows are bounded per tenant each day as well, beyond which the mail is only logged.
 */
import { createHash } from "node:crypto";
import type { Tx } from "../db/client";
import type { ParsedMessage } from "../mail/parse-message";
import { MAX_KEPT_BYTES, reportFilesOfMessage, type ReportFile } from "./store-report";

export type ReportQuotas = { perTenantPerDay: number; perSenderPerDay: number };

/**
 * A tenant watching a few hundred client domains gets one report per domain and reporter a day; these leave room
 * for that and stop one sender (or everyone together) from making the MTA read thousands of files for it.
 */
export const REPORT_QUOTAS: ReportQuotas = { perTenantPerDay: 2_000, perSenderPerDay: 500 };

const DAY_MS = 24 * 60 * 60 * 1000;

/** `kept`: the report rows holding the unread files of a mail over quota. */
export type QueuedReportMail = { jobIds: string[]; reason: string; overQuota: boolean; kept: string[] };

/** Starts the parseError of a file kept unread over quota (and finds them to count). */
export const OVER_QUOTA_MARK = "Not read (over quota): ";

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
    return { jobIds: [], overQuota: false, kept: [], reason: "DMARC report mailbox: the message carries no report (no .xml, .xml.gz or .zip attachment, no XML body)" };
  }
  const sender = reportSenderDomain(params.parsed, params.envelopeFrom);
  const since = new Date(now.getTime() - DAY_MS);
  const [forTenant, fromSender] = await Promise.all([
    tx.dmarcReportJob.count({ where: { tenantId, createdAt: { gte: since } } }),
    tx.dmarcReportJob.count({ where: { tenantId, sender, createdAt: { gte: since } } }),
  ]);
  const over =
    forTenant + files.length > quotas.perTenantPerDay
      ? `this tenant's mailbox has had ${forTenant} report files in 24 hours (at most ${quotas.perTenantPerDay})`
      : fromSender + files.length > quotas.perSenderPerDay
        ? `${sender || "this sender"} has sent ${fromSender} report files in 24 hours (at most ${quotas.perSenderPerDay})`
        : null;
  if (over) return keepUnread(tx, { tenantId, sender, files, over, since, max: quotas.perTenantPerDay });
  const jobIds: string[] = [];
  for (const file of files) {
    const job = await tx.dmarcReportJob.create({
      data: { tenantId, sender, fileName: file.fileName?.slice(0, 255) ?? null, bytes: new Uint8Array(file.bytes), createdAt: now },
      select: { id: true },
    });
    jobIds.push(job.id);
  }
  const names = files.map((f) => f.fileName ?? "(body)").join(", ");
  return { jobIds, overQuota: false, kept: [], reason: `DMARC report received, queued for reading: ${names}`.slice(0, 1000) };
}

/**
 * A mail over quota: its files kept unread, one report row each (keyed like an unreadable file, by the sender and
 * the file's SHA-256, so the same file mailed again is kept once), at most `max` such rows per tenant a day.
 */
async function keepUnread(
  tx: Tx,
  params: { tenantId: string; sender: string; files: ReportFile[]; over: string; since: Date; max: number },
): Promise<QueuedReportMail> {
  const { tenantId, files, over } = params;
  const names = files.map((f) => f.fileName ?? "(body)").join(", ");
  const keptToday = await tx.dmarcReport.count({ where: { tenantId, parseError: { startsWith: OVER_QUOTA_MARK }, createdAt: { gte: params.since } } });
  if (keptToday + files.length > params.max) {
    const reason = `DMARC report not read: ${over}; not kept either (${keptToday} files kept unread in 24 hours, at most ${params.max}): ${names}`;
    return { jobIds: [], overQuota: true, kept: [], reason: reason.slice(0, 1000) };
  }
  const orgName = (params.sender || "unknown reporter").slice(0, 200);
  const kept: string[] = [];
  for (const file of files) {
    const reportId = `sha256:${createHash("sha256").update(file.bytes).digest("hex").slice(0, 40)}`;
    const key = { tenantId, orgName, reportId };
    const existing = await tx.dmarcReport.findUnique({ where: { tenantId_orgName_reportId: key }, select: { id: true } });
    if (existing) {
      kept.push(existing.id);
      continue;
    }
    const cut = file.bytes.length > MAX_KEPT_BYTES ? ` Only the first ${MAX_KEPT_BYTES / 1024 / 1024} MB of the file is kept.` : "";
    const row = await tx.dmarcReport.create({
      data: {
        ...key,
        domain: "",
        raw: file.bytes.subarray(0, MAX_KEPT_BYTES).toString("base64"),
        rawEncoding: "base64",
        parseError: `${OVER_QUOTA_MARK}${over}.${cut}`,
        source: "mail",
        fileName: file.fileName?.slice(0, 255) ?? null,
      },
      select: { id: true },
    });
    kept.push(row.id);
  }
  return { jobIds: [], overQuota: true, kept, reason: `DMARC report not read: ${over}; kept unread in the reports list: ${names}`.slice(0, 1000) };
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
