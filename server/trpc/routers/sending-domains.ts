import { z } from "zod";
import {
  addSendingDomain,
  gatewayDkimFromEnv,
  gatewayRecords,
  getTenantDefaultFrom,
  listSendingDomainSummaries,
  removeSendingDomain,
  sendingDomainDetails,
  setTenantDefaultFrom,
  verifySendingDomain,
} from "../../sending-domains";
import { adminProcedure, createTRPCRouter } from "../init";

const byId = z.object({ id: z.string().min(1) });

/** Sending domains and the tenant's default From (R-DOM-1…4): email-gateway settings, so admins only (R-TEN-4). */
export const sendingDomainsRouter = createTRPCRouter({
  list: adminProcedure.query(({ ctx }) => listSendingDomainSummaries(ctx.db, ctx.tenantId)),
  get: adminProcedure.input(byId).query(({ ctx, input }) =>
    sendingDomainDetails(ctx.db, {
      tenantId: ctx.tenantId,
      id: input.id,
      resolver: ctx.resolver,
      spfInclude: ctx.env.SPF_INCLUDE,
      inboundDomain: ctx.env.INBOUND_DOMAIN,
    }),
  ),
  add: adminProcedure
    .input(z.object({ domain: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const d = await addSendingDomain(ctx.db, { tenantId: ctx.tenantId, domain: input.domain, secret: ctx.env.APP_SECRET });
      return { id: d.id, domain: d.domain };
    }),
  verify: adminProcedure.input(byId).mutation(({ ctx, input }) =>
    verifySendingDomain(ctx.db, {
      tenantId: ctx.tenantId,
      id: input.id,
      resolver: ctx.resolver,
      spfInclude: ctx.env.SPF_INCLUDE,
      inboundDomain: ctx.env.INBOUND_DOMAIN,
    }),
  ),
  remove: adminProcedure.input(byId).mutation(({ ctx, input }) => removeSendingDomain(ctx.db, ctx.tenantId, input.id)),
  /** The records the operator publishes once for INBOUND_DOMAIN, so gateway-address replies authenticate (R-UX-1). */
  gatewayRecords: adminProcedure.query(({ ctx }) => gatewayRecords(gatewayDkimFromEnv(ctx.env), { spfInclude: ctx.env.SPF_INCLUDE })),
  tenantDefault: adminProcedure.query(({ ctx }) => getTenantDefaultFrom(ctx.db, ctx.tenantId)),
  setTenantDefault: adminProcedure
    .input(z.object({ address: z.string(), name: z.string().nullable().optional() }))
    .mutation(({ ctx, input }) => setTenantDefaultFrom(ctx.db, { tenantId: ctx.tenantId, ...input })),
});
