import { z } from "zod";
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
  add: adminProcedure
    .input(z.object({ value: z.string(), note: z.string().optional() }))
    .mutation(({ ctx, input }) =>
      addBlocklistEntry(ctx.db, { tenantId: ctx.tenantId, userId: ctx.user.id, value: input.value, note: input.note }),
    ),
  remove: adminProcedure
    .input(z.object({ id: z.string().min(1) }))
    .mutation(({ ctx, input }) => removeBlocklistEntry(ctx.db, { tenantId: ctx.tenantId, userId: ctx.user.id, id: input.id })),
  history: adminProcedure.query(({ ctx }) => blocklistHistory(ctx.db, ctx.tenantId)),
});
