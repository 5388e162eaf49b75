import { adminProcedure, createTRPCRouter } from "../init";
import { getAutoAckSettings, updateAutoAckSettings, updateAutoAckSettingsInput } from "../../tenants/auto-ack-settings";

/** The tenant's auto-acknowledgement (R-IN-9): an inbound setting, so admins only (R-TEN-4). */
export const autoAckRouter = createTRPCRouter({
  get: adminProcedure.query(({ ctx }) => getAutoAckSettings(ctx.db, ctx.tenantId)),
  update: adminProcedure
    .input(updateAutoAckSettingsInput)
    .mutation(({ ctx, input }) => updateAutoAckSettings(ctx.db, ctx.tenantId, input)),
});
