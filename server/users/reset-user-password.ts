import { z } from "zod";
import type { Db } from "../db/client";
import { newRowId } from "../db/raw-sql";
import { getUser } from "./get-user";
import { CREDENTIAL_PROVIDER, hashPassword, password } from "./passwords";

export const resetUserPasswordInput = z.object({ userId: z.string().min(1), password });
export type ResetUserPasswordInput = z.infer<typeof resetUserPasswordInput>;

/**
 * An admin sets a new password for a user of the tenant. The user's sessions end: whoever knew the old
 * password (the reason for a reset, often) is signed out everywhere.
 */
export async function resetUserPassword(db: Db, tenantId: string, input: ResetUserPasswordInput) {
  const data = resetUserPasswordInput.parse(input);
  const user = await getUser(db, tenantId, data.userId);
  await setPassword(db, user.id, await hashPassword(data.password));
  await db.session.deleteMany({ where: { userId: user.id } });
  return { id: user.id };
}

/** Writes the credential account's hash, creating the account when the user had none. */
export async function setPassword(db: Db, userId: string, hash: string): Promise<void> {
  const account = await db.account.findFirst({ where: { userId, providerId: CREDENTIAL_PROVIDER }, select: { id: true } });
  if (account) {
    await db.account.update({ where: { id: account.id }, data: { password: hash } });
  } else {
    await db.account.create({
      data: { id: newRowId(), userId, accountId: userId, providerId: CREDENTIAL_PROVIDER, password: hash },
    });
  }
}
