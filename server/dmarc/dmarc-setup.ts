/** The DMARC reports screen's setup card (R-X-1): the tenant's rua= address and the domains reports came for. */
import type { Db } from "../db/client";
import { dmarcReportAddress } from "../mail/addresses";
import { listDmarcDomains } from "./dmarc-overview";

export async function dmarcSetup(db: Db, params: { tenantId: string; inboundDomain: string }) {
  const tenant = await db.tenant.findUniqueOrThrow({ where: { id: params.tenantId }, select: { slug: true } });
  return {
    ruaAddress: dmarcReportAddress(tenant.slug, params.inboundDomain),
    domains: await listDmarcDomains(db, params.tenantId),
  };
}
