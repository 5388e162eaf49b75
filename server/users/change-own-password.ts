import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { CREDENTIAL_PROVIDER, hashPassword, password, verifyPassword } from "./passwords";
import { setPassword } from "./reset-user-password";

export const changeOwnPasswordInput = z.object({
  currentPassword: z.string().min(1, "Enter your current password."),
  newPassword: password,
});
export type ChangeOwnPasswordInput = z.infer<typeof changeOwnPasswordInput>;

/**
 * A user changes their own password, proving the current one first. Their other sessions end; the one they
 * are using (keepSessionId) stays so they are not thrown out of the page they are on.
 */
export async function changeOwnPassword(
  db: Db,
  userId: string,
  input: ChangeOwnPasswordInput,
  keepSessionId?: string,
): Promise<void> {
  const data = changeOwnPasswordInput.parse(input);
  const account = await db.account.findFirst({
    where: { userId, providerId: CREDENTIAL_PROVIDER },
    select: { password: true },
  });
  if (!account?.password || !(await verifyPassword({ hash: account.password, password: data.currentPassword }))) {
    throw new AppError("BAD_INPUT", "That is not your current password.", { field: "currentPassword" });
  }
  if (data.currentPassword === data.newPassword) {
    throw new AppError("BAD_INPUT", "Choose a password different from the current one.", { field: "newPassword" });
  }
  await setPassword(db, userId, await hashPassword(data.newPassword));
  await db.session.deleteMany({ where: { userId, ...(keepSessionId ? { NOT: { id: keepSessionId } } : {}) } });
}
