import { z } from "zod";
import type { Db } from "../db/client";
import { findSessionUser } from "./get-user";
import { AppError } from "../errors";
import { userName } from "./user-fields";

export const updateProfileInput = z.object({ name: userName });
export type UpdateProfileInput = z.infer<typeof updateProfileInput>;

/** Every user edits their own name. Email and role are an admin's to change. */
export async function updateProfile(db: Db, userId: string, input: UpdateProfileInput) {
  const data = updateProfileInput.parse(input);
  await db.user.update({ where: { id: userId }, data: { name: data.name } });
  const user = await findSessionUser(db, userId);
  if (!user) throw new AppError("NOT_FOUND", "No such user.");
  return user;
}
