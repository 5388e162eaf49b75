import { z } from "zod";
import { adminProcedure, createTRPCRouter } from "../init";
import { loadEnv } from "../../env";
import { createResolver } from "../../dns/resolver";
import { checkMtaStsDns } from "../../mta-sts/check-mta-sts-dns";
import { getMtaStsSettings, setMtaStsMode, setMtaStsModeInput } from "../../mta-sts/manage-mta-sts";
import { summariseTlsReports } from "../../tls-reports/summarise-tls-reports";

function config() {
  const env = loadEnv();
  return { inboundDomain: env.INBOUND_DOMAIN, mx: env.MTA_STS_MX };
}

/** MTA-STS and TLS-RPT (R-STS-1…3): an email-gateway setting, so admins only (R-TEN-4). */
export const mtaStsRouter = createTRPCRouter({
  settings: adminProcedure.query(({ ctx }) => getMtaStsSettings(ctx.db, ctx.tenantId, config())),
  setMode: adminProcedure
    .input(setMtaStsModeInput)
    .mutation(({ ctx, input }) =>
      setMtaStsMode(ctx.db, { tenantId: ctx.tenantId, userId: ctx.user.id, mode: input.mode }),
    ),
  checkDns: adminProcedure.mutation(({ ctx }) =>
    checkMtaStsDns(ctx.db, ctx.tenantId, { ...config(), resolver: createResolver({ servers: loadEnv().DNS_SERVERS }) }),
  ),
  summary: adminProcedure
    .input(z.object({ days: z.number().int().min(7).max(366).default(30) }).default({ days: 30 }))
    .query(({ ctx, input }) => summariseTlsReports(ctx.db, { tenantId: ctx.tenantId, windowDays: input.days })),
});
