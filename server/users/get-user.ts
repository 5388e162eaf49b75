import type { Db } from "../db/client";
import { AppError } from "../errors";
import { parseRole } from "./roles";
import { userSelect } from "./user-fields";

/** A user of the tenant; NOT_FOUND for a user of another tenant, exactly as for one that does not exist. */
export async function getUser(db: Db, tenantId: string, userId: string) {
  const user = await db.user.findFirst({ where: { id: userId, tenantId }, select: userSelect });
  if (!user) throw new AppError("NOT_FOUND", "No such user.");
  return { ...user, role: parseRole(user.role) };
}

/** The signed-in user behind a session, whatever their tenant; null when the user is gone. */
export async function findSessionUser(db: Db, userId: string) {
  const user = await db.user.findUnique({ where: { id: userId }, select: userSelect });
  return user ? { ...user, role: parseRole(user.role) } : null;
}
export type SessionUser = NonNullable<Awaited<ReturnType<typeof findSessionUser>>>;
