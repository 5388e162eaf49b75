import type { z } from "zod";
import type { Db } from "../db/client";
import { createUserInput, insertUser } from "./create-user";

export const inviteUserInput = createUserInput.omit({ password: true });
export type InviteUserInput = z.infer<typeof inviteUserInput>;

/**
 * An invited user: the user row without a password. They cannot sign in until they follow the invitation link
 * (better-auth's reset-password token, mailed by server/accounts/account-mail.ts) and choose one.
 */
export async function inviteUser(db: Db, tenantId: string, input: InviteUserInput) {
  return insertUser(db, tenantId, inviteUserInput.parse(input), null);
}
