import { createCallerFactory, createTRPCRouter } from "../init";
import { autoAckRouter } from "./auto-ack";
import { blocklistRouter } from "./blocklist";
import { clientsRouter } from "./clients";
import { profileRouter } from "./profile";
import { ticketsRouter } from "./tickets";
import { sendingDomainsRouter } from "./sending-domains";
import { usersRouter } from "./users";

export const appRouter = createTRPCRouter({
  clients: clientsRouter,
  users: usersRouter,
  profile: profileRouter,
  autoAck: autoAckRouter,
  blocklist: blocklistRouter,
  tickets: ticketsRouter,
  sendingDomains: sendingDomainsRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side and test calls without HTTP: `createCaller(createContextInner({ db, session }))`. */
export const createCaller = createCallerFactory(appRouter);
