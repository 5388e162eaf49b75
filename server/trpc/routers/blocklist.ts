import { z } from "zod";
import { blocklistImpact, blocklistImpactInput } from "../../blocklist/block-impact";
import { adminProcedure, createTRPCRouter } from "../init";
import {
  addBlocklistEntry,
  blocklistHistory,
  listBlocklist,
  listBlocklistInput,
  removeBlocklistEntry,
} from "../../blocklist/manage-blocklist";

/** The tenant blocklist (R-BL-1, R-IN-4): an email-gateway setting, so admins only (R-TEN-4). */
export const blocklistRouter = createTRPCRouter({
  list: adminProcedure
    .input(listBlocklistInput)
    .query(({ ctx, input }) => listBlocklist(ctx.db, { tenantId: ctx.tenantId, ...input })),
  /** What the entry would drop that needs confirming (a free-mail provider, a client's domain, own addresses). */
  impact: adminProcedure
    .input(blocklistImpactInput)
    .query(({ ctx, input }) => blocklistImpact(ctx.db, { tenantId: ctx.tenantId, inboundDomain: ctx.env.INBOUND_DOMAIN, value: input.value })),
  add: adminProcedure
    .input(z.object({ value: z.string(), note: z.string().optional(), confirmed: z.boolean().optional() }))
    .mutation(({ ctx, input }) =>
      addBlocklistEntry(ctx.db, {
        tenantId: ctx.tenantId,
        userId: ctx.user.id,
        value: input.value,
        note: input.note,
        confirmed: input.confirmed,
        inboundDomain: ctx.env.INBOUND_DOMAIN,
      }),
    ),
  remove: adminProcedure
    .input(z.object({ id: z.string().min(1) }))
    .mutation(({ ctx, input }) => removeBlocklistEntry(ctx.db, { tenantId: ctx.tenantId, userId: ctx.user.id, id: input.id })),
  history: adminProcedure.query(({ ctx }) => blocklistHistory(ctx.db, ctx.tenantId)),
});
