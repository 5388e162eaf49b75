import { NextResponse } from "next/server";
import { loadEnv } from "@/server/env";
import { getDb } from "@/server/web/runtime";
import { checkHealth } from "@/server/health/check-health";

export const dynamic = "force-dynamic";

/**
 * Database and MTA state as JSON: 200 when both work, 503 when either does not. A web-only node (NODE_ROLE=web, set
 * by `npm start -- --web-only`) reports the MTA as not on this node, so it is healthy when its database answers.
 */
export async function GET() {
  const env = loadEnv();
  const report = await checkHealth(getDb(), {
    provider: env.database.provider,
    smtpPort: env.SMTP_PORT,
    mtaOnThisNode: env.NODE_ROLE !== "web",
  });
  return NextResponse.json(report, {
    status: report.status === "ok" ? 200 : 503,
    headers: { "cache-control": "no-store" },
  });
}
