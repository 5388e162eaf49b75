import { z } from "zod";
import { addTicketNote, addTicketNoteInput } from "../../tickets/add-ticket-note";
import { addParticipantAsContact, addParticipantContactInput } from "../../tickets/add-participant-contact";
import { getTicket } from "../../tickets/get-ticket";
import { listTickets, listTicketsInput, ticketFilterOptions } from "../../tickets/list-tickets";
import {
  mergeTickets,
  mergeTicketsInput,
  searchMergeTargets,
  searchMergeTargetsInput,
} from "../../tickets/merge-tickets";
import { setTicketClient, setTicketClientInput } from "../../unattributed/set-ticket-client";
import { gatewayDkimFromEnv } from "../../sending-domains/gateway-dkim";
import { replyFrom, replyFromInput } from "../../tickets/reply-from";
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
    .mutation(({ ctx, input }) => setTicketStatus(ctx.db, ctx.tenantId, input, ctx.user.id)),
  assign: ticketProcedure
    .input(assignTicketInput)
    .mutation(({ ctx, input }) => assignTicket(ctx.db, ctx.tenantId, input, ctx.user.id)),
  mergeTargets: ticketProcedure
    .input(searchMergeTargetsInput)
    .query(({ ctx, input }) => searchMergeTargets(ctx.db, ctx.tenantId, input)),
  merge: ticketProcedure
    .input(mergeTicketsInput)
    .mutation(({ ctx, input }) => mergeTickets(ctx.db, ctx.tenantId, input, ctx.user.id)),
  setClient: ticketProcedure
    .input(setTicketClientInput)
    .mutation(({ ctx, input }) => setTicketClient(ctx.db, ctx.tenantId, input, ctx.user.id)),
  /** Internal notes (R-UX-3): every role writes them; they are never sent. */
  addNote: ticketProcedure
    .input(addTicketNoteInput)
    .mutation(({ ctx, input }) => addTicketNote(ctx.db, { tenantId: ctx.tenantId, authorId: ctx.user.id }, input)),
  addParticipantContact: ticketProcedure
    .input(addParticipantContactInput)
    .mutation(({ ctx, input }) => addParticipantAsContact(ctx.db, ctx.tenantId, input)),
  reply: ticketProcedure.input(replyToTicketInput).mutation(({ ctx, input }) => {
    const { domain, selector, privateKeyPem } = gatewayDkimFromEnv(ctx.env);
    return replyToTicket(
      ctx.db,
      { tenantId: ctx.tenantId, authorId: ctx.user.id, ...mailEnv(ctx), gatewayDkim: { domain, selector, privateKeyPem } },
      input,
    );
  }),
  /** The From the composer's reply will go out with (R-UX-1), shown before Send. */
  replyFrom: ticketProcedure.input(replyFromInput).query(({ ctx, input }) =>
    replyFrom(
      ctx.db,
      { tenantId: ctx.tenantId, userId: ctx.user.id, gateway: { inboundDomain: ctx.env.INBOUND_DOMAIN, selector: ctx.env.GATEWAY_DKIM_SELECTOR } },
      input,
    ),
  ),
  /** The composer's Markdown preview; a mutation so a long draft travels in a POST body, not a URL. */
  previewReply: ticketProcedure.input(previewReplyInput).mutation(({ input }) => previewReply(input)),
});
