import { adminProcedure, createTRPCRouter } from "../init";
import { forwardingTestResults, forwardingTestResultsInput, startForwardingTest } from "../../activity/forwarding-test";

/** The Inbound page's live forwarding test (R-X-2): an inbound setting, so admins only (R-TEN-4). */
export const inboundRouter = createTRPCRouter({
  startTest: adminProcedure.mutation(() => startForwardingTest()),
  testResults: adminProcedure
    .input(forwardingTestResultsInput)
    .query(({ ctx, input }) => forwardingTestResults(ctx.db, { tenantId: ctx.tenantId, since: input.since })),
});
