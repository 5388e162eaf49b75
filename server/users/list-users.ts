import type { Db } from "../db/client";
import { CREDENTIAL_PROVIDER } from "./passwords";
import { parseRole } from "./roles";
import { userSelect } from "./user-fields";

/** The tenant's users, enabled first, then by name; `invited` while a user has not chosen a password yet. */
export async function listUsers(db: Db, tenantId: string) {
  const users = await db.user.findMany({
    where: { tenantId },
    select: { ...userSelect, accounts: { where: { providerId: CREDENTIAL_PROVIDER, password: { not: null } }, select: { id: true } } },
    orderBy: [{ disabled: "asc" }, { name: "asc" }],
  });
  return users.map(({ accounts, ...u }) => ({ ...u, role: parseRole(u.role), invited: accounts.length === 0 }));
}
