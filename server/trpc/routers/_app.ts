import { createCallerFactory, createTRPCRouter } from "../init";
import { clientsRouter } from "./clients";
import { profileRouter } from "./profile";
import { usersRouter } from "./users";

export const appRouter = createTRPCRouter({
  clients: clientsRouter,
  users: usersRouter,
  profile: profileRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side and test calls without HTTP: `createCaller(createContextInner({ db, session }))`. */
export const createCaller = createCallerFactory(appRouter);
