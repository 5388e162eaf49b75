import { adminProcedure, createTRPCRouter } from "../init";
import { listUsers } from "../../users/list-users";
import { createUser, createUserInput } from "../../users/create-user";
import { inviteUser, inviteUserInput } from "../../users/invite-user";
import { getTwoFactorPolicy, setTwoFactorPolicy, setTwoFactorPolicyInput } from "../../accounts/two-factor-policy";
import { updateUser, updateUserInput } from "../../users/update-user";
import { resetUserPassword, resetUserPasswordInput } from "../../users/reset-user-password";

/** User administration: admins only (R-TEN-4). */
export const usersRouter = createTRPCRouter({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.db, ctx.tenantId)),
  /** The invitation mail itself is better-auth's (the page asks /api/auth/request-password-reset next). */
  invite: adminProcedure.input(inviteUserInput).mutation(({ ctx, input }) => inviteUser(ctx.db, ctx.tenantId, input)),
  twoFactorPolicy: adminProcedure.query(({ ctx }) => getTwoFactorPolicy(ctx.db, ctx.tenantId)),
  setTwoFactorPolicy: adminProcedure
    .input(setTwoFactorPolicyInput)
    .mutation(({ ctx, input }) => setTwoFactorPolicy(ctx.db, ctx.tenantId, ctx.user, input)),
  create: adminProcedure.input(createUserInput).mutation(({ ctx, input }) => createUser(ctx.db, ctx.tenantId, input)),
  update: adminProcedure
    .input(updateUserInput)
    .mutation(({ ctx, input }) => updateUser(ctx.db, ctx.tenantId, ctx.user.id, input)),
  resetPassword: adminProcedure
    .input(resetUserPasswordInput)
    .mutation(({ ctx, input }) => resetUserPassword(ctx.db, ctx.tenantId, input)),
});
