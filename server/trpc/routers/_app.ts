import { createCallerFactory, createTRPCRouter } from "../init";
import { activityRouter } from "./activity";
import { alertRulesRouter } from "./alert-rules";
import { autoAckRouter } from "./auto-ack";
import { blocklistRouter } from "./blocklist";
import { cannedResponsesRouter } from "./canned-responses";
import { clientsRouter } from "./clients";
import { healthRouter } from "./health";
import { inboundRouter } from "./inbound";
import { mtaStsRouter } from "./mta-sts";
import { dmarcReportsRouter } from "./dmarc-reports";
import { profileRouter } from "./profile";
import { ticketsRouter } from "./tickets";
import { sendingDomainsRouter } from "./sending-domains";
import { spamQueueRouter } from "./spam-queue";
import { unattributedRouter } from "./unattributed";
import { usersRouter } from "./users";

export const appRouter = createTRPCRouter({
  clients: clientsRouter,
  users: usersRouter,
  profile: profileRouter,
  autoAck: autoAckRouter,
  blocklist: blocklistRouter,
  alertRules: alertRulesRouter,
  tickets: ticketsRouter,
  sendingDomains: sendingDomainsRouter,
  activity: activityRouter,
  inbound: inboundRouter,
  unattributed: unattributedRouter,
  spamQueue: spamQueueRouter,
  mtaSts: mtaStsRouter,
  dmarcReports: dmarcReportsRouter,
  cannedResponses: cannedResponsesRouter,
  health: healthRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side and test calls without HTTP: `createCaller(createContextInner({ db, session }))`. */
export const createCaller = createCallerFactory(appRouter);
