import { z } from "zod";
import { adminProcedure, createTRPCRouter } from "../init";
import { checkMtaStsDns } from "../../mta-sts/check-mta-sts-dns";
import { getMtaStsSettings, setMtaStsMode, setMtaStsModeInput } from "../../mta-sts/manage-mta-sts";
import { summariseTlsReports } from "../../tls-reports/summarise-tls-reports";

function config(ctx: { env: { INBOUND_DOMAIN: string; MTA_STS_MX: string[] } }) {
  return { inboundDomain: ctx.env.INBOUND_DOMAIN, mx: ctx.env.MTA_STS_MX };
}

/** MTA-STS and TLS-RPT (R-STS-1…3): an email-gateway setting, so admins only (R-TEN-4). */
export const mtaStsRouter = createTRPCRouter({
  settings: adminProcedure.query(({ ctx }) => getMtaStsSettings(ctx.db, ctx.tenantId, config(ctx))),
  setMode: adminProcedure
    .input(setMtaStsModeInput)
    .mutation(({ ctx, input }) =>
      setMtaStsMode(ctx.db, { tenantId: ctx.tenantId, userId: ctx.user.id, mode: input.mode }),
    ),
  checkDns: adminProcedure.mutation(({ ctx }) =>
    checkMtaStsDns(ctx.db, ctx.tenantId, { ...config(ctx), resolver: ctx.resolver }),
  ),
  summary: adminProcedure
    .input(z.object({ days: z.number().int().min(7).max(366).default(30) }).default({ days: 30 }))
    .query(({ ctx, input }) => summariseTlsReports(ctx.db, { tenantId: ctx.tenantId, windowDays: input.days })),
});
