import { adminProcedure, createTRPCRouter } from "../init";
import { listUsers } from "../../users/list-users";
import { createUser, createUserInput } from "../../users/create-user";
import { updateUser, updateUserInput } from "../../users/update-user";
import { resetUserPassword, resetUserPasswordInput } from "../../users/reset-user-password";

/** User administration: admins only (R-TEN-4). */
export const usersRouter = createTRPCRouter({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.db, ctx.tenantId)),
  create: adminProcedure.input(createUserInput).mutation(({ ctx, input }) => createUser(ctx.db, ctx.tenantId, input)),
  update: adminProcedure
    .input(updateUserInput)
    .mutation(({ ctx, input }) => updateUser(ctx.db, ctx.tenantId, ctx.user.id, input)),
  resetPassword: adminProcedure
    .input(resetUserPasswordInput)
    .mutation(({ ctx, input }) => resetUserPassword(ctx.db, ctx.tenantId, input)),
});
