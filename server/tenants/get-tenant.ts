import type { Db } from "../db/client";
import { AppError } from "../errors";

/** The caller's tenant: name and slug (which names its inbound subdomain). */
export async function getTenant(db: Db, tenantId: string) {
  const tenant = await db.tenant.findUnique({ where: { id: tenantId }, select: { id: true, slug: true, name: true } });
  if (!tenant) throw new AppError("NOT_FOUND", "No such tenant.");
  return tenant;
}
