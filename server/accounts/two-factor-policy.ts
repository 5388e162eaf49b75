/**
 * The tenant's two-factor rule (issue 21 item 6): optional by default; an admin can make it mandatory, and then a
 * user without a second factor is led to set one up at their next sign-in before anything else opens. The factor
 * itself (TOTP + recovery codes) is better-auth's twoFactor plugin (server/auth/create-auth.ts).
 */
import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";

export const setTwoFactorPolicyInput = z.object({ required: z.boolean() });
export type SetTwoFactorPolicyInput = z.infer<typeof setTwoFactorPolicyInput>;

export async function getTwoFactorPolicy(db: Db, tenantId: string): Promise<{ required: boolean }> {
  const tenant = await db.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { requireTwoFactor: true } });
  return { required: tenant.requireTwoFactor };
}

/** An admin turns the rule on only once they use two-factor themselves, so turning it on never locks them out mid-page. */
export async function setTwoFactorPolicy(
  db: Db,
  tenantId: string,
  actor: { twoFactorEnabled: boolean },
  input: SetTwoFactorPolicyInput,
): Promise<{ required: boolean }> {
  const data = setTwoFactorPolicyInput.parse(input);
  if (data.required && !actor.twoFactorEnabled) {
    throw new AppError("PRECONDITION", "Turn on two-factor sign-in for yourself first (on your profile), then require it for everyone.", {
      field: "required",
    });
  }
  await db.tenant.update({ where: { id: tenantId }, data: { requireTwoFactor: data.required } });
  return { required: data.required };
}

/** True when the user's tenant requires two-factor sign-in and the user has not set it up yet. */
export async function needsTwoFactorSetup(db: Db, user: { tenantId: string; twoFactorEnabled: boolean }): Promise<boolean> {
  if (user.twoFactorEnabled) return false;
  return (await getTwoFactorPolicy(db, user.tenantId)).required;
}
