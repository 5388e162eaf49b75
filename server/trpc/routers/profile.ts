import { createTRPCRouter, protectedProcedure } from "../init";
import { updateProfile, updateProfileInput } from "../../users/update-profile";
import { changeOwnPassword, changeOwnPasswordInput } from "../../users/change-own-password";

/** The signed-in user's own profile; every role. */
export const profileRouter = createTRPCRouter({
  me: protectedProcedure.query(({ ctx }) => ctx.user),
  update: protectedProcedure.input(updateProfileInput).mutation(({ ctx, input }) => updateProfile(ctx.db, ctx.user.id, input)),
  changePassword: protectedProcedure
    .input(changeOwnPasswordInput)
    .mutation(({ ctx, input }) => changeOwnPassword(ctx.db, ctx.user.id, input, ctx.session.sessionId)),
});
