/**
 * The MSP's public support addresses the forwarding canary watches (R-HEALTH-1), set on the Inbound page, and the
 * tenant's canary interval (6 hours by default, at least 15 minutes).
 */
import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";

export const MIN_CANARY_INTERVAL_MINUTES = 15;
export const DEFAULT_CANARY_INTERVAL_MINUTES = 360;
/** A tenant watches a handful of public addresses, not a list. */
export const MAX_CANARY_ADDRESSES = 5;

export const canarySettingsInput = z.object({
  addresses: z
    .array(z.email("Enter a full email address, like support@yourmsp.com").max(254).transform((a) => a.trim().toLowerCase()))
    .max(MAX_CANARY_ADDRESSES, `At most ${MAX_CANARY_ADDRESSES} addresses`),
  intervalMinutes: z.number().int().min(MIN_CANARY_INTERVAL_MINUTES).max(7 * 24 * 60).default(DEFAULT_CANARY_INTERVAL_MINUTES),
});
export type CanarySettingsInput = z.input<typeof canarySettingsInput>;

export type CanarySettings = { addresses: string[]; intervalMinutes: number };

export async function getCanarySettings(db: Db, tenantId: string): Promise<CanarySettings> {
  const tenant = await db.tenant.findUniqueOrThrow({
    where: { id: tenantId },
    select: { canaryIntervalMinutes: true, canaryAddresses: { select: { address: true }, orderBy: { createdAt: "asc" } } },
  });
  return { addresses: tenant.canaryAddresses.map((a) => a.address), intervalMinutes: tenant.canaryIntervalMinutes };
}

/**
 * Replaces the watched addresses (kept ones keep their canary history) and the interval. The tenant's own gateway
 * addresses are refused: a canary to the gateway itself proves nothing about the forward.
 */
export async function saveCanarySettings(
  db: Db,
  tenantId: string,
  rawInput: CanarySettingsInput,
  inboundDomain: string,
): Promise<CanarySettings> {
  const input = canarySettingsInput.parse(rawInput);
  const addresses = [...new Set(input.addresses)];
  const own = addresses.find((a) => a.endsWith(`.${inboundDomain}`) || a.endsWith(`@${inboundDomain}`));
  if (own) throw new AppError("BAD_INPUT", `${own} is a gateway address; enter the public address your clients write to`);
  await db.$transaction(async (tx) => {
    await tx.canaryAddress.deleteMany({ where: { tenantId, address: { notIn: addresses } } });
    for (const address of addresses) {
      await tx.canaryAddress.upsert({ where: { tenantId_address: { tenantId, address } }, create: { tenantId, address }, update: {} });
    }
    await tx.tenant.update({ where: { id: tenantId }, data: { canaryIntervalMinutes: input.intervalMinutes } });
  });
  return getCanarySettings(db, tenantId);
}
