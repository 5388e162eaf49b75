import type { Db } from "../db/client";
import { parseRole } from "./roles";
import { userSelect } from "./user-fields";

/** The tenant's users, enabled first, then by name. */
export async function listUsers(db: Db, tenantId: string) {
  const users = await db.user.findMany({
    where: { tenantId },
    select: userSelect,
    orderBy: [{ disabled: "asc" }, { name: "asc" }],
  });
  return users.map((u) => ({ ...u, role: parseRole(u.role) }));
}
