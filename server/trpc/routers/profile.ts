import { z } from "zod";
import { createTRPCRouter, protectedProcedure } from "../init";
import { updateProfile, updateProfileInput } from "../../users/update-profile";
import { changeOwnPassword, changeOwnPasswordInput } from "../../users/change-own-password";
import { getUserSendAs, setUserSendAs } from "../../sending-domains";

/** The signed-in user's own profile; every role. */
export const profileRouter = createTRPCRouter({
  me: protectedProcedure.query(({ ctx }) => ctx.user),
  update: protectedProcedure.input(updateProfileInput).mutation(({ ctx, input }) => updateProfile(ctx.db, ctx.user.id, input)),
  changePassword: protectedProcedure
    .input(changeOwnPasswordInput)
    .mutation(({ ctx, input }) => changeOwnPassword(ctx.db, ctx.user.id, input, ctx.session.sessionId)),
  /** Profile → Email → Default sending address (R-DOM-4): on a verified sending domain of the tenant. */
  sendAs: protectedProcedure.query(({ ctx }) => getUserSendAs(ctx.db, ctx.tenantId, ctx.user.id)),
  setSendAs: protectedProcedure
    .input(z.object({ address: z.string().nullable(), name: z.string().nullable().optional() }))
    .mutation(({ ctx, input }) => setUserSendAs(ctx.db, { tenantId: ctx.tenantId, userId: ctx.user.id, ...input })),
});
