import { z } from "zod";
import { createResolver, type Resolver } from "../../dns/resolver";
import { loadEnv } from "../../env";
import { dmarcReportAddress } from "../../mail/addresses";
import {
  dmarcOverview,
  dmarcOverviewInput,
  getDmarcReport,
  listDmarcDomains,
  listDmarcReports,
  listDmarcReportsInput,
  uploadDmarcReport,
  uploadDmarcReportInput,
} from "../../dmarc/dmarc-overview";
import { gatewaySenders } from "../../dmarc/gateway-senders";
import { reverseDnsOfSources } from "../../dmarc/reverse-dns";
import { adminProcedure, createTRPCRouter } from "../init";

let resolver: Resolver | undefined;
/** One resolver for the web process's look-ups here (DNS_SERVERS), short timeouts: the screen never waits long. */
function webResolver(): Resolver {
  resolver ??= createResolver({ servers: loadEnv().DNS_SERVERS, timeoutMs: 2_000, tries: 1 });
  return resolver;
}

/** DMARC aggregate reports (R-X-1): an email-gateway setting, so admins only (R-TEN-4). */
export const dmarcReportsRouter = createTRPCRouter({
  domains: adminProcedure.query(async ({ ctx }) => {
    const tenant = await ctx.db.tenant.findUniqueOrThrow({ where: { id: ctx.tenantId }, select: { slug: true } });
    return {
      ruaAddress: dmarcReportAddress(tenant.slug, loadEnv().INBOUND_DOMAIN),
      domains: await listDmarcDomains(ctx.db, ctx.tenantId),
    };
  }),
  overview: adminProcedure.input(dmarcOverviewInput).query(async ({ ctx, input }) =>
    dmarcOverview(ctx.db, { tenantId: ctx.tenantId, ...input, gateway: await gatewaySenders(webResolver(), loadEnv().SPF_INCLUDE) }),
  ),
  reports: adminProcedure
    .input(listDmarcReportsInput)
    .query(({ ctx, input }) => listDmarcReports(ctx.db, { tenantId: ctx.tenantId, ...input })),
  report: adminProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .query(({ ctx, input }) => getDmarcReport(ctx.db, { tenantId: ctx.tenantId, id: input.id })),
  reverseDns: adminProcedure
    .input(z.object({ ips: z.array(z.string().max(64)).max(100) }))
    .query(({ ctx, input }) => reverseDnsOfSources(ctx.db, webResolver(), { tenantId: ctx.tenantId, ips: input.ips })),
  upload: adminProcedure
    .input(uploadDmarcReportInput)
    .mutation(({ ctx, input }) => uploadDmarcReport(ctx.db, { tenantId: ctx.tenantId, ...input })),
});
