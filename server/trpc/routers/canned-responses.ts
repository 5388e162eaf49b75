import { deleteCannedResponse, deleteCannedResponseInput } from "../../canned-responses/delete-canned-response";
import { listCannedResponses } from "../../canned-responses/list-canned-responses";
import { renderCannedResponse, renderCannedResponseInput } from "../../canned-responses/render-canned-response";
import { saveCannedResponse, saveCannedResponseInput } from "../../canned-responses/save-canned-response";
import { adminProcedure, createTRPCRouter, roleProcedure } from "../init";

/** Canned responses (R-UX-3): admins manage them; every role uses them in the composer. */
const everyone = roleProcedure("ADMIN", "TECHNICIAN", "SUPPORT");

export const cannedResponsesRouter = createTRPCRouter({
  list: everyone.query(({ ctx }) => listCannedResponses(ctx.db, ctx.tenantId)),
  render: everyone
    .input(renderCannedResponseInput)
    .query(({ ctx, input }) => renderCannedResponse(ctx.db, { tenantId: ctx.tenantId, userId: ctx.user.id }, input)),
  save: adminProcedure
    .input(saveCannedResponseInput)
    .mutation(({ ctx, input }) => saveCannedResponse(ctx.db, ctx.tenantId, input)),
  delete: adminProcedure
    .input(deleteCannedResponseInput)
    .mutation(({ ctx, input }) => deleteCannedResponse(ctx.db, ctx.tenantId, input)),
});
