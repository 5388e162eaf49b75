import { z } from "zod";
import { alertRuleInput } from "../../alert-rules/alert-rule-fields";
import {
  createAlertRule,
  deleteAlertRule,
  listAlertRules,
  moveAlertRule,
  reorderAlertRules,
  reorderAlertRulesInput,
  setAlertRuleEnabled,
  updateAlertRule,
} from "../../alert-rules/manage-alert-rules";
import { foldSettingsInput, getFoldSettings, updateFoldSettings } from "../../alert-rules/fold-settings";
import { tryMessage, tryMessageInput } from "../../inbound/try-message";
import { adminProcedure, createTRPCRouter } from "../init";

const id = z.object({ id: z.string().min(1).max(64) });
// The rule is validated in full by parseAlertRuleInput, whose messages name the form's fields.
const rule = alertRuleInput.partial().passthrough();

/** Alert rules (R-AUTO-2): an email-gateway setting, so admins only (R-TEN-4). */
export const alertRulesRouter = createTRPCRouter({
  list: adminProcedure.query(({ ctx }) => listAlertRules(ctx.db, ctx.tenantId)),
  create: adminProcedure
    .input(z.object({ rule }))
    .mutation(({ ctx, input }) =>
      createAlertRule(ctx.db, { tenantId: ctx.tenantId, userId: ctx.user.id, rule: input.rule as z.input<typeof alertRuleInput> }),
    ),
  update: adminProcedure
    .input(id.extend({ rule }))
    .mutation(({ ctx, input }) =>
      updateAlertRule(ctx.db, { tenantId: ctx.tenantId, id: input.id, rule: input.rule as z.input<typeof alertRuleInput> }),
    ),
  setEnabled: adminProcedure
    .input(id.extend({ enabled: z.boolean() }))
    .mutation(({ ctx, input }) => setAlertRuleEnabled(ctx.db, { tenantId: ctx.tenantId, ...input })),
  move: adminProcedure
    .input(id.extend({ direction: z.enum(["up", "down"]) }))
    .mutation(({ ctx, input }) => moveAlertRule(ctx.db, { tenantId: ctx.tenantId, ...input })),
  reorder: adminProcedure
    .input(reorderAlertRulesInput)
    .mutation(({ ctx, input }) => reorderAlertRules(ctx.db, { tenantId: ctx.tenantId, ids: input.ids })),
  delete: adminProcedure.input(id).mutation(({ ctx, input }) => deleteAlertRule(ctx.db, { tenantId: ctx.tenantId, id: input.id })),
  foldSettings: adminProcedure.query(({ ctx }) => getFoldSettings(ctx.db, ctx.tenantId)),
  setFoldSettings: adminProcedure
    .input(foldSettingsInput)
    .mutation(({ ctx, input }) => updateFoldSettings(ctx.db, ctx.tenantId, input)),
  try: adminProcedure
    .input(tryMessageInput)
    .mutation(({ ctx, input }) =>
      tryMessage(ctx.db, { tenantId: ctx.tenantId, secret: ctx.env.APP_SECRET, inboundDomain: ctx.env.INBOUND_DOMAIN, input }),
    ),
});
