import { createCallerFactory, createTRPCRouter } from "../init";
import { autoAckRouter } from "./auto-ack";
import { blocklistRouter } from "./blocklist";
import { clientsRouter } from "./clients";
import { dmarcReportsRouter } from "./dmarc-reports";
import { profileRouter } from "./profile";
import { usersRouter } from "./users";

export const appRouter = createTRPCRouter({
  clients: clientsRouter,
  users: usersRouter,
  profile: profileRouter,
  autoAck: autoAckRouter,
  blocklist: blocklistRouter,
  dmarcReports: dmarcReportsRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side and test calls without HTTP: `createCaller(createContextInner({ db, session }))`. */
export const createCaller = createCallerFactory(appRouter);
