import { timingSafeEqual } from "node:crypto";
import { CLIENT_IP_HEADER } from "@/server/auth/client-ip";
import { loadEnv } from "@/server/env";
import { renderMetrics, useMetricsDatabase } from "@/server/metrics/metrics";
import { isLoopback } from "@/server/metrics/metrics-access";
import { getDb } from "@/server/web/runtime";

export const dynamic = "force-dynamic";

/**
 * Prometheus metrics of the web process (R-HEALTH-5): with METRICS_TOKEN set, only for `Authorization: Bearer
 * <token>`; without it, only for loopback clients (the address the web server resolved, server/auth/client-ip.ts).
 */
export async function GET(req: Request) {
  const env = loadEnv();
  const allowed = env.METRICS_TOKEN
    ? bearerMatches(req.headers.get("authorization"), env.METRICS_TOKEN)
    : isLoopback(req.headers.get(CLIENT_IP_HEADER));
  if (!allowed) return new Response("forbidden\n", { status: 403, headers: { "content-type": "text/plain" } });
  useMetricsDatabase(getDb());
  const { body, contentType } = await renderMetrics();
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
}

function bearerMatches(header: string | null, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? "")?.[1]?.trim() ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
