/**
 * The tenant's repeat settings (R-AUTO-1): how far back a repeat looks for its open ticket, and the hard cap of
 * new tickets one sender may open per hour.
 */
import { z } from "zod";
import type { Db } from "../db/client";

export const foldSettingsInput = z.object({
  foldWindowHours: z
    .number({ error: "Enter a number of hours." })
    .int("Enter a whole number of hours.")
    .min(1, "The window is at least 1 hour.")
    .max(24 * 14, "The window is at most 336 hours (14 days)."),
  newTicketsPerSenderHour: z
    .number({ error: "Enter a number of tickets." })
    .int("Enter a whole number.")
    .min(1, "Allow at least 1 new ticket per hour.")
    .max(1000, "Allow at most 1,000 new tickets per hour."),
});
export type FoldSettings = z.infer<typeof foldSettingsInput>;

export async function getFoldSettings(db: Db, tenantId: string): Promise<FoldSettings> {
  return db.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { foldWindowHours: true, newTicketsPerSenderHour: true } });
}

export async function updateFoldSettings(db: Db, tenantId: string, input: FoldSettings): Promise<FoldSettings> {
  const data = foldSettingsInput.parse(input);
  return db.tenant.update({ where: { id: tenantId }, data, select: { foldWindowHours: true, newTicketsPerSenderHour: true } });
}
