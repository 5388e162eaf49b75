import { z } from "zod";
import { adminProcedure, createTRPCRouter } from "../init";
import { activityVolume, activityVolumeInput, getActivityEntry, listActivity, listActivityInput } from "../../activity/list-activity";
import { getActivityRetention, updateActivityRetention } from "../../activity/activity-retention";

/** The activity log (R-ACT-1/2): an email-gateway screen, so admins only (R-TEN-4). */
export const activityRouter = createTRPCRouter({
  list: adminProcedure
    .input(listActivityInput)
    .query(({ ctx, input }) => listActivity(ctx.db, { tenantId: ctx.tenantId, ...input })),
  get: adminProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .query(({ ctx, input }) => getActivityEntry(ctx.db, { tenantId: ctx.tenantId, id: input.id })),
  volume: adminProcedure
    .input(activityVolumeInput)
    .query(({ ctx, input }) => activityVolume(ctx.db, { tenantId: ctx.tenantId, ...input })),
  retention: adminProcedure.query(({ ctx }) => getActivityRetention(ctx.db, ctx.tenantId)),
  setRetention: adminProcedure
    .input(z.object({ days: z.number() }))
    .mutation(({ ctx, input }) => updateActivityRetention(ctx.db, ctx.tenantId, input)),
});
