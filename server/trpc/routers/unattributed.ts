import { createTRPCRouter, roleProcedure } from "../init";
import { countUnattributedByDomain, listUnattributed, listUnattributedInput } from "../../unattributed/list-unattributed";
import {
  addSenderDomainInput,
  addSenderDomainToClient,
  attributeQueuedFrom,
  attributeQueuedFromInput,
  setTicketsClient,
  setTicketsClientInput,
} from "../../unattributed/attribute-tickets";
import { blockSenders, blockSendersInput } from "../../unattributed/block-senders";

/** The Unattributed queue is ADMIN's and SUPPORT's (R-TEN-4), blocklisting from it included. */
const queueProcedure = roleProcedure("ADMIN", "SUPPORT");

/** R-UNA-1: tickets with no client, and the actions that attribute or block them. */
export const unattributedRouter = createTRPCRouter({
  list: queueProcedure.input(listUnattributedInput).query(({ ctx, input }) => listUnattributed(ctx.db, ctx.tenantId, input)),
  byDomain: queueProcedure.query(({ ctx }) => countUnattributedByDomain(ctx.db, ctx.tenantId)),
  setClient: queueProcedure
    .input(setTicketsClientInput)
    .mutation(({ ctx, input }) => setTicketsClient(ctx.db, ctx.tenantId, input, ctx.user.id)),
  addSenderDomain: queueProcedure
    .input(addSenderDomainInput)
    .mutation(({ ctx, input }) => addSenderDomainToClient(ctx.db, ctx.tenantId, input, ctx.user.id)),
  attributeFrom: queueProcedure
    .input(attributeQueuedFromInput)
    .mutation(({ ctx, input }) => attributeQueuedFrom(ctx.db, ctx.tenantId, input, ctx.user.id)),
  block: queueProcedure
    .input(blockSendersInput)
    .mutation(({ ctx, input }) => blockSenders(ctx.db, ctx.tenantId, ctx.user.id, input)),
});
