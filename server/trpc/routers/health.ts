import { adminProcedure, createTRPCRouter, protectedProcedure } from "../init";
import { canarySettingsInput, getCanarySettings, saveCanarySettings } from "../../gateway-health/canary-addresses";
import { openIncidents } from "../../gateway-health/health-incidents";
import { healthSummary } from "../../gateway-health/health-summary";

/** Gateway health (R-HEALTH-1…4): the Health page and Tickets summary (admins), the banner (everyone). */
export const healthRouter = createTRPCRouter({
  summary: adminProcedure.query(({ ctx }) => healthSummary(ctx.db, ctx.tenantId, ctx.now())),
  incidents: protectedProcedure.query(({ ctx }) => openIncidents(ctx.db, ctx.tenantId)),
  canarySettings: adminProcedure.query(({ ctx }) => getCanarySettings(ctx.db, ctx.tenantId)),
  saveCanarySettings: adminProcedure
    .input(canarySettingsInput)
    .mutation(({ ctx, input }) => saveCanarySettings(ctx.db, ctx.tenantId, input, ctx.env.INBOUND_DOMAIN)),
});
