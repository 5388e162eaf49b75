/**
 * The Spam queue (R-SPAM-2): what a tenant's scanning held back, newest first, with the verdict for the badge,
 * and the tenant's filtering settings (threshold, retention) beside whether the engines are configured.
 */
import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { readScanVerdict, type ScanVerdict } from "../spam/scan-verdict";

export const SPAM_QUEUE_PAGE = 200;

export type SpamQueueItem = {
  id: string;
  createdAt: Date;
  kind: "SPAM" | "MALWARE";
  reason: string;
  scan: ScanVerdict | null;
  envelopeFrom: string;
  fromAddress: string | null;
  subject: string;
  recipients: string[];
  /** The ticket "Mark as spam" moved here. */
  ticketNumber: number | null;
};

export async function listSpamQueue(db: Db, tenantId: string): Promise<{ items: SpamQueueItem[]; total: number }> {
  const [rows, total] = await Promise.all([
    db.quarantinedMessage.findMany({
      where: { tenantId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: SPAM_QUEUE_PAGE,
      select: {
        id: true,
        createdAt: true,
        kind: true,
        reason: true,
        scanJson: true,
        envelopeFrom: true,
        fromAddress: true,
        subject: true,
        recipients: true,
        ticketNumber: true,
      },
    }),
    db.quarantinedMessage.count({ where: { tenantId } }),
  ]);
  return {
    total,
    items: rows.map((r) => ({
      ...r,
      kind: r.kind === "MALWARE" ? "MALWARE" : "SPAM",
      scan: readScanVerdict(r.scanJson),
      recipients: r.recipients.split(",").filter(Boolean),
    })),
  };
}

export type SpamSettings = {
  /** null: rspamd's "add header" score. */
  threshold: number | null;
  retentionDays: number;
  rspamd: boolean;
  clamd: boolean;
  failOpen: boolean;
};

export async function getSpamSettings(
  db: Db,
  tenantId: string,
  engines: { rspamdUrl?: string | undefined; clamd?: string | undefined; failOpen: boolean },
): Promise<SpamSettings> {
  const t = await db.tenant.findUnique({ where: { id: tenantId }, select: { spamThreshold: true, spamRetentionDays: true } });
  if (!t) throw new AppError("NOT_FOUND", "Tenant not found.");
  return { threshold: t.spamThreshold, retentionDays: t.spamRetentionDays, rspamd: !!engines.rspamdUrl, clamd: !!engines.clamd, failOpen: engines.failOpen };
}

export const spamSettingsInput = z.object({
  threshold: z.number().min(-100, "At least -100.").max(1000, "At most 1000.").nullable(),
  retentionDays: z.number().int("Whole days.").min(1, "At least 1 day.").max(365, "At most 365 days."),
});

export async function updateSpamSettings(db: Db, tenantId: string, input: z.input<typeof spamSettingsInput>): Promise<void> {
  const data = spamSettingsInput.parse(input);
  await db.tenant.update({ where: { id: tenantId }, data: { spamThreshold: data.threshold, spamRetentionDays: data.retentionDays } });
}
