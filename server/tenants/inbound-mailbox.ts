import type { Db } from "../db/client";
import { tenantMailbox } from "../mail/addresses";
import { getTenant } from "./get-tenant";

/** The tenant's inbound mailbox `support@<slug>.<inboundDomain>` (R-TEN-2). */
export async function getInboundMailbox(db: Db, tenantId: string, inboundDomain: string): Promise<string> {
  const tenant = await getTenant(db, tenantId);
  return tenantMailbox(tenant.slug, inboundDomain);
}
