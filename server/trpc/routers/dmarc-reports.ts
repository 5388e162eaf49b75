import { z } from "zod";
import {
  dmarcOverview,
  dmarcOverviewInput,
  getDmarcReport,
  listDmarcReports,
  listDmarcReportsInput,
  uploadDmarcReport,
  uploadDmarcReportInput,
} from "../../dmarc/dmarc-overview";
import { dmarcSetup } from "../../dmarc/dmarc-setup";
import { gatewaySenders } from "../../dmarc/gateway-senders";
import { reverseDnsOfSources } from "../../dmarc/reverse-dns";
import { adminProcedure, createTRPCRouter } from "../init";

/** DMARC aggregate reports (R-X-1): an email-gateway setting, so admins only (R-TEN-4). */
export const dmarcReportsRouter = createTRPCRouter({
  domains: adminProcedure.query(({ ctx }) => dmarcSetup(ctx.db, { tenantId: ctx.tenantId, inboundDomain: ctx.env.INBOUND_DOMAIN })),
  overview: adminProcedure.input(dmarcOverviewInput).query(async ({ ctx, input }) =>
    dmarcOverview(ctx.db, { tenantId: ctx.tenantId, ...input, gateway: await gatewaySenders(ctx.resolver, ctx.env.SPF_INCLUDE) }),
  ),
  reports: adminProcedure
    .input(listDmarcReportsInput)
    .query(({ ctx, input }) => listDmarcReports(ctx.db, { tenantId: ctx.tenantId, ...input })),
  report: adminProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .query(({ ctx, input }) => getDmarcReport(ctx.db, { tenantId: ctx.tenantId, id: input.id })),
  reverseDns: adminProcedure
    .input(z.object({ ips: z.array(z.string().max(64)).max(100) }))
    .query(({ ctx, input }) => reverseDnsOfSources(ctx.db, ctx.resolver, { tenantId: ctx.tenantId, ips: input.ips })),
  upload: adminProcedure
    .input(uploadDmarcReportInput)
    .mutation(({ ctx, input }) => uploadDmarcReport(ctx.db, { tenantId: ctx.tenantId, ...input })),
});
