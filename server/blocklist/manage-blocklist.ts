/**
 * Managing the tenant blocklist (R-BL-1): add, list, search, unblock, and the history of adds and removals.
 * What an admin types is parsed by the same module the MTA matches with (server/mail/blocklist.ts), so an entry
 * that is accepted here is exactly what ingestion matches (R-IN-4). Unblocking is a soft delete: the row keeps
 * who added it, who removed it and when.
 */
import { z } from "zod";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";
import { parseBlocklistInput, type BlocklistKind } from "../mail/blocklist";
import { containsInsensitive } from "../clients/prisma-errors";
import { impactOf } from "./block-impact";

export const BLOCKLIST_NOTE_MAX = 500;
export const BLOCKLIST_HISTORY_LIMIT = 50;

export const addBlocklistEntryInput = z.object({
  // Checked in full by parseBlocklistInput, whose messages are written for the form.
  value: z.string().max(1000, "That is too long to be an email address, domain or pattern."),
  note: z
    .string()
    .max(BLOCKLIST_NOTE_MAX, `Use at most ${BLOCKLIST_NOTE_MAX} characters.`)
    .optional()
    .transform((s) => s?.trim() || null),
});
export type AddBlocklistEntryInput = z.input<typeof addBlocklistEntryInput>;

export const listBlocklistInput = z.object({
  search: z.string().trim().max(200).default(""),
  includeRemoved: z.boolean().default(false),
});
export type ListBlocklistInput = z.input<typeof listBlocklistInput>;

export type BlocklistPerson = { id: string; name: string; email: string } | null;

export type BlocklistRow = {
  id: string;
  kind: BlocklistKind;
  value: string;
  note: string | null;
  createdAt: Date;
  createdBy: BlocklistPerson;
  removedAt: Date | null;
  removedBy: BlocklistPerson;
  dropCount: number;
  lastDropAt: Date | null;
};

export type BlocklistHistoryEvent = {
  /** `${entryId}:added` or `${entryId}:removed`. */
  key: string;
  entryId: string;
  action: "ADDED" | "REMOVED";
  kind: BlocklistKind;
  value: string;
  at: Date;
  by: BlocklistPerson;
};

const person = { select: { id: true, name: true, email: true } } as const;
const rowSelect = {
  id: true,
  kind: true,
  value: true,
  note: true,
  createdAt: true,
  removedAt: true,
  dropCount: true,
  lastDropAt: true,
  createdBy: person,
  removedBy: person,
} as const;

function toRow(r: {
  id: string;
  kind: string;
  value: string;
  note: string | null;
  createdAt: Date;
  removedAt: Date | null;
  dropCount: number;
  lastDropAt: Date | null;
  createdBy: BlocklistPerson;
  removedBy: BlocklistPerson;
}): BlocklistRow {
  return { ...r, kind: r.kind as BlocklistKind };
}

const KIND_WORD: Record<BlocklistKind, string> = { EMAIL: "address", DOMAIN: "domain", PATTERN: "pattern" };

/**
 * Blocks an address, a domain (with its subdomains) or a pattern for the tenant. BAD_INPUT on field "value" when
 * it is none of those; CONFLICT on "value" when the same entry is already active.
 */
export async function addBlocklistEntry(
  db: Tx,
  args: {
    tenantId: string;
    userId: string | null;
    value: string;
    note?: string | null | undefined;
    /**
     * Guards: an entry that would drop a free-mail provider whole, a client's domain or the tenant's own addresses
     * (blocklistImpact) is refused with PRECONDITION naming them unless the admin confirmed it. Needs inboundDomain.
     */
    confirmed?: boolean | undefined;
    inboundDomain?: string | undefined;
  },
): Promise<BlocklistRow> {
  const parsed = addBlocklistEntryInput.safeParse({ value: args.value, note: args.note ?? undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") || "value";
    throw new AppError("BAD_INPUT", issue?.message ?? "Invalid input.", { field, cause: parsed.error });
  }
  const entry = parseBlocklistInput(parsed.data.value);
  if (args.inboundDomain && !args.confirmed) {
    const impact = await impactOf(db, args.tenantId, args.inboundDomain, entry);
    if (impact.length) throw new AppError("PRECONDITION", `Confirm to block ${entry.value}: ${impact.join(" ")}`, { field: "value" });
  }
  const existing = await db.blocklistEntry.findFirst({
    where: { tenantId: args.tenantId, kind: entry.kind, value: entry.value, removedAt: null },
    select: { id: true },
  });
  if (existing) {
    throw new AppError("CONFLICT", `The ${KIND_WORD[entry.kind]} ${entry.value} is already blocked.`, {
      field: "value",
    });
  }
  const created = await db.blocklistEntry.create({
    data: {
      tenantId: args.tenantId,
      kind: entry.kind,
      value: entry.value,
      note: parsed.data.note,
      createdById: args.userId,
    },
    select: rowSelect,
  });
  return toRow(created);
}

/**
 * The tenant's blocklist, newest first: active entries (and unblocked ones with `includeRemoved`), with who
 * added them and when and how much mail each has dropped. `search` matches the value or the note.
 */
export async function listBlocklist(
  db: Db,
  args: { tenantId: string } & ListBlocklistInput,
): Promise<BlocklistRow[]> {
  const { search, includeRemoved } = listBlocklistInput.parse({ search: args.search, includeRemoved: args.includeRemoved });
  const rows = await db.blocklistEntry.findMany({
    where: {
      tenantId: args.tenantId,
      ...(includeRemoved ? {} : { removedAt: null }),
      ...(search
        ? { OR: [{ value: { contains: search.toLowerCase() } }, { note: containsInsensitive(db, search) }] }
        : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: rowSelect,
    take: 1000,
  });
  return rows.map(toRow);
}

/** Unblocks an active entry, keeping the row and who removed it. NOT_FOUND when it is not an active entry of the tenant. */
export async function removeBlocklistEntry(
  db: Db,
  args: { tenantId: string; userId: string | null; id: string },
): Promise<BlocklistRow> {
  const { count } = await db.blocklistEntry.updateMany({
    where: { id: args.id, tenantId: args.tenantId, removedAt: null },
    data: { removedAt: new Date(), removedById: args.userId },
  });
  if (count === 0) throw new AppError("NOT_FOUND", "No such blocklist entry.");
  return toRow(await db.blocklistEntry.findUniqueOrThrow({ where: { id: args.id }, select: rowSelect }));
}

/** The latest adds and removals on the tenant's blocklist, with who did each, newest first. */
export async function blocklistHistory(
  db: Db,
  tenantId: string,
  limit: number = BLOCKLIST_HISTORY_LIMIT,
): Promise<BlocklistHistoryEvent[]> {
  const take = Math.max(1, Math.min(limit, 200));
  const select = { id: true, kind: true, value: true, createdAt: true, removedAt: true, createdBy: person, removedBy: person } as const;
  const [added, removed] = await Promise.all([
    db.blocklistEntry.findMany({ where: { tenantId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take, select }),
    db.blocklistEntry.findMany({
      where: { tenantId, removedAt: { not: null } },
      orderBy: [{ removedAt: "desc" }, { id: "desc" }],
      take,
      select,
    }),
  ]);
  const events: BlocklistHistoryEvent[] = [
    ...added.map((r) => ({
      key: `${r.id}:added`,
      entryId: r.id,
      action: "ADDED" as const,
      kind: r.kind as BlocklistKind,
      value: r.value,
      at: r.createdAt,
      by: r.createdBy,
    })),
    ...removed.map((r) => ({
      key: `${r.id}:removed`,
      entryId: r.id,
      action: "REMOVED" as const,
      kind: r.kind as BlocklistKind,
      value: r.value,
      at: r.removedAt!,
      by: r.removedBy,
    })),
  ];
  // Newest first; a removal sorts before its own add when both carry the same instant.
  events.sort((a, b) => b.at.getTime() - a.at.getTime() || (a.action === b.action ? 0 : a.action === "REMOVED" ? -1 : 1));
  return events.slice(0, take);
}
