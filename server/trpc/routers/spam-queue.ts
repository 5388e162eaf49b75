import { z } from "zod";
import type { IngestDeps } from "../../inbound/received-message";
import { gatewayDkimFromEnv } from "../../sending-domains/gateway-dkim";
import { getSpamSettings, listSpamQueue, spamQueueListInput, spamSettingsInput, updateSpamSettings } from "../../spam-queue/list-spam-queue";
import { markTicketAsSpam } from "../../spam-queue/mark-as-spam";
import { blockQuarantined, deleteQuarantined, releaseQuarantined } from "../../spam-queue/spam-queue-actions";
import { adminProcedure, createTRPCRouter, protectedProcedure, roleProcedure } from "../init";
import type { Context } from "../init";

/** The Spam queue is ADMIN's and SUPPORT's (R-SPAM-2, as the Unattributed queue); its settings are admins'. */
const queueProcedure = roleProcedure("ADMIN", "SUPPORT");
const itemInput = z.object({ id: z.string().min(1).max(64) });

/** What releasing and learning need from the web process's runtime. */
function spamDeps(ctx: Pick<Context, "env" | "resolver" | "now">): IngestDeps {
  const { domain, selector, privateKeyPem } = gatewayDkimFromEnv(ctx.env);
  return {
    // A released message's acknowledgement is signed like the MTA's (R-UX-1).
    gatewayDkim: { domain, selector, privateKeyPem },
    secret: ctx.env.APP_SECRET,
    inboundDomain: ctx.env.INBOUND_DOMAIN,
    resolver: ctx.resolver,
    trustedArcSealers: ctx.env.TRUSTED_ARC_SEALERS,
    now: ctx.now,
    scanner: { rspamdUrl: ctx.env.RSPAMD_URL, clamd: ctx.env.CLAMD, failOpen: ctx.env.SPAM_FAIL_OPEN },
  };
}

/** R-SPAM-2: the Spam queue, its actions, the per-tenant settings, and "Mark as spam" on a ticket. */
export const spamQueueRouter = createTRPCRouter({
  list: queueProcedure.input(spamQueueListInput).query(({ ctx, input }) => listSpamQueue(ctx.db, ctx.tenantId, input)),
  release: queueProcedure.input(itemInput).mutation(async ({ ctx, input }) => {
    const { outcome, learned } = await releaseQuarantined(ctx.db, spamDeps(ctx), { tenantId: ctx.tenantId, id: input.id });
    return {
      outcome: outcome?.outcome ?? null,
      ticketId: outcome?.ticketId ?? null,
      ticketNumber: outcome?.ticketNumber ?? null,
      reason: outcome?.reason ?? null,
      learned,
    };
  }),
  delete: queueProcedure.input(itemInput).mutation(({ ctx, input }) => deleteQuarantined(ctx.db, { tenantId: ctx.tenantId, id: input.id })),
  block: queueProcedure
    .input(itemInput.extend({ what: z.enum(["sender", "domain"]), confirmed: z.boolean().optional() }))
    .mutation(async ({ ctx, input }) => {
      const { entry, learned } = await blockQuarantined(ctx.db, spamDeps(ctx), { tenantId: ctx.tenantId, userId: ctx.user.id, ...input });
      return { kind: entry.kind, value: entry.value, learned };
    }),
  markTicket: protectedProcedure
    .input(z.object({ ticketId: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) =>
      markTicketAsSpam(ctx.db, spamDeps(ctx), { tenantId: ctx.tenantId, ticketId: input.ticketId, userName: ctx.user.name || ctx.user.email }),
    ),
  settings: adminProcedure.query(({ ctx }) =>
    getSpamSettings(ctx.db, ctx.tenantId, { rspamdUrl: ctx.env.RSPAMD_URL, clamd: ctx.env.CLAMD, failOpen: ctx.env.SPAM_FAIL_OPEN }),
  ),
  updateSettings: adminProcedure.input(spamSettingsInput).mutation(({ ctx, input }) => updateSpamSettings(ctx.db, ctx.tenantId, input)),
});
