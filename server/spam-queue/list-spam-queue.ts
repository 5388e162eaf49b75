/**
 * The Spam queue (R-SPAM-2): what a tenant's scanning held back, newest first, with the verdict for the badge,
 * and the tenant's filtering settings (threshold, retention) beside whether the engines are configured.
 */
import { z } from "zod";
import type { Db } from "../db/client";
import { containsInsensitive } from "../clients/prisma-errors";
import { AppError } from "../errors";
import { readScanVerdict, type ScanVerdict } from "../spam/scan-verdict";

/** Items per page; older ones follow with `nextCursor` ("Show older"). */
export const SPAM_QUEUE_PAGE = 50;

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

const cursorPattern = /^\d{1,15}\.[A-Za-z0-9_-]{1,64}$/;

export const spamQueueListInput = z
  .object({
    /** Sender (header or envelope) or subject contains this, in any case. */
    search: z.string().trim().max(200, "At most 200 characters.").optional(),
    /** From a previous page's `nextCursor`: the items older than its last one. */
    cursor: z.string().regex(cursorPattern, "That page link is not valid any more.").optional(),
  })
  .default({});

export type SpamQueuePage = {
  items: SpamQueueItem[];
  /** Pass back as `cursor` for the next (older) page; null when there is nothing older. */
  nextCursor: string | null;
  /** Items held for the tenant that match the search (all of them without one). */
  total: number;
};

/** One page of the Spam queue, newest first on (createdAt, id), continued by keyset, never by OFFSET. */
export async function listSpamQueue(db: Db, tenantId: string, input: z.input<typeof spamQueueListInput> = {}): Promise<SpamQueuePage> {
  const { search, cursor } = spamQueueListInput.parse(input);
  const matching = search
    ? {
        OR: [
          { fromAddress: containsInsensitive(db, search) },
          { envelopeFrom: containsInsensitive(db, search) },
          { subject: containsInsensitive(db, search) },
        ],
      }
    : {};
  const where = { tenantId, ...matching };
  const after = cursor ? decodeCursor(cursor) : null;
  const [rows, total] = await Promise.all([
    db.quarantinedMessage.findMany({
      where: after
        ? { AND: [where, { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }] }
        : where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      // One more than a page tells whether anything older is left.
      take: SPAM_QUEUE_PAGE + 1,
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
    db.quarantinedMessage.count({ where }),
  ]);
  const page = rows.slice(0, SPAM_QUEUE_PAGE);
  const last = page.at(-1);
  return {
    total,
    nextCursor: rows.length > SPAM_QUEUE_PAGE && last ? `${last.createdAt.getTime()}.${last.id}` : null,
    items: page.map(({ scanJson, ...r }) => ({
      ...r,
      kind: r.kind === "MALWARE" ? "MALWARE" : "SPAM",
      scan: readScanVerdict(scanJson),
      recipients: r.recipients.split(",").filter(Boolean),
    })),
  };
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const dot = cursor.indexOf(".");
  return { createdAt: new Date(Number(cursor.slice(0, dot))), id: cursor.slice(dot + 1) };
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
