import { z } from "zod";
import { addParticipantAsContact, addParticipantContactInput } from "../../tickets/add-participant-contact";
import { getTicket } from "../../tickets/get-ticket";
import { listTickets, listTicketsInput, ticketFilterOptions } from "../../tickets/list-tickets";
import {
  mergeTickets,
  mergeTicketsInput,
  searchMergeTargets,
  searchMergeTargetsInput,
} from "../../tickets/merge-tickets";
import { previewReply, previewReplyInput, replyToTicket, replyToTicketInput } from "../../tickets/reply-to-ticket";
import {
  assignTicket,
  assignTicketInput,
  listAssignees,
  setTicketStatus,
  setTicketStatusInput,
} from "../../tickets/update-ticket";
import { createTRPCRouter, roleProcedure } from "../init";

/** Every role works tickets (R-TEN-4); everything is scoped to the caller's tenant. */
const ticketProcedure = roleProcedure("ADMIN", "TECHNICIAN", "SUPPORT");

function mailEnv(ctx: { env: { APP_SECRET: string; INBOUND_DOMAIN: string } }) {
  return { secret: ctx.env.APP_SECRET, inboundDomain: ctx.env.INBOUND_DOMAIN };
}

export const ticketsRouter = createTRPCRouter({
  list: ticketProcedure.input(listTicketsInput).query(({ ctx, input }) => listTickets(ctx.db, ctx.tenantId, input)),
  filterOptions: ticketProcedure.query(({ ctx }) => ticketFilterOptions(ctx.db, ctx.tenantId)),
  get: ticketProcedure
    .input(z.object({ id: z.string().min(1) }))
    .query(({ ctx, input }) => getTicket(ctx.db, { tenantId: ctx.tenantId, ticketId: input.id, ...mailEnv(ctx) })),
  assignees: ticketProcedure.query(({ ctx }) => listAssignees(ctx.db, ctx.tenantId)),
  setStatus: ticketProcedure
    .input(setTicketStatusInput)
    .mutation(({ ctx, input }) => setTicketStatus(ctx.db, ctx.tenantId, input)),
  assign: ticketProcedure
    .input(assignTicketInput)
    .mutation(({ ctx, input }) => assignTicket(ctx.db, ctx.tenantId, input)),
  mergeTargets: ticketProcedure
    .input(searchMergeTargetsInput)
    .query(({ ctx, input }) => searchMergeTargets(ctx.db, ctx.tenantId, input)),
  merge: ticketProcedure
    .input(mergeTicketsInput)
    .mutation(({ ctx, input }) => mergeTickets(ctx.db, ctx.tenantId, input)),
  addParticipantContact: ticketProcedure
    .input(addParticipantContactInput)
    .mutation(({ ctx, input }) => addParticipantAsContact(ctx.db, ctx.tenantId, input)),
  reply: ticketProcedure
    .input(replyToTicketInput)
    .mutation(({ ctx, input }) =>
      replyToTicket(ctx.db, { tenantId: ctx.tenantId, authorId: ctx.user.id, ...mailEnv(ctx) }, input),
    ),
  /** The composer's Markdown preview; a mutation so a long draft travels in a POST body, not a URL. */
  previewReply: ticketProcedure.input(previewReplyInput).mutation(({ input }) => previewReply(input)),
});
