import { createCallerFactory, createTRPCRouter } from "../init";
import { autoAckRouter } from "./auto-ack";
import { blocklistRouter } from "./blocklist";
import { clientsRouter } from "./clients";
import { mtaStsRouter } from "./mta-sts";
import { profileRouter } from "./profile";
import { usersRouter } from "./users";

export const appRouter = createTRPCRouter({
  clients: clientsRouter,
  users: usersRouter,
  profile: profileRouter,
  autoAck: autoAckRouter,
  blocklist: blocklistRouter,
  mtaSts: mtaStsRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side and test calls without HTTP: `createCaller(createContextInner({ db, session }))`. */
export const createCaller = createCallerFactory(appRouter);
