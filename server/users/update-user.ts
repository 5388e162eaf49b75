import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { getUser } from "./get-user";
import { role } from "./roles";
import { userName } from "./user-fields";

export const updateUserInput = z.object({
  userId: z.string().min(1),
  name: userName.optional(),
  role: role.optional(),
  disabled: z.boolean().optional(),
});
export type UpdateUserInput = z.infer<typeof updateUserInput>;

/**
 * An admin changes another user's name, role or access. Disabling ends the user's sessions at once, so a
 * disabled user is locked out now, not when their cookie expires. An admin cannot lock themselves out, and
 * the tenant always keeps one enabled admin.
 */
export async function updateUser(db: Db, tenantId: string, actorId: string, input: UpdateUserInput) {
  const data = updateUserInput.parse(input);
  const user = await getUser(db, tenantId, data.userId);
  if (data.userId === actorId && (data.disabled === true || (data.role && data.role !== "ADMIN"))) {
    throw new AppError("PRECONDITION", "You cannot disable yourself or remove your own admin role.", {
      field: data.disabled ? "disabled" : "role",
    });
  }
  const losesAdmin = user.role === "ADMIN" && !user.disabled && (data.disabled === true || (data.role !== undefined && data.role !== "ADMIN"));
  return db.$transaction(async (tx) => {
    if (losesAdmin) {
      const admins = await tx.user.count({ where: { tenantId, role: "ADMIN", disabled: false } });
      if (admins <= 1) throw new AppError("PRECONDITION", "The tenant must keep at least one enabled admin.");
    }
    await tx.user.update({
      where: { id: user.id },
      data: { name: data.name, role: data.role, disabled: data.disabled },
    });
    if (data.disabled === true) await tx.session.deleteMany({ where: { userId: user.id } });
    return { id: user.id };
  });
}
