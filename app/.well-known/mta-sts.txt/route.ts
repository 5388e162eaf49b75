import { getDb } from "@/server/web/runtime";
import { loadEnv } from "@/server/env";
import { policyForHost } from "@/server/mta-sts/manage-mta-sts";

export const dynamic = "force-dynamic";

/**
 * The MTA-STS policy (RFC 8461 §3.3, R-STS-1), answered by Host header (or X-Forwarded-Host behind a proxy):
 * `mta-sts.<slug>.<INBOUND_DOMAIN>` serves that tenant's policy; any other host gets 404.
 */
export async function GET(req: Request) {
  const env = loadEnv();
  const hosts = [req.headers.get("x-forwarded-host")?.split(",")[0], req.headers.get("host")];
  const policy = await policyForHost(getDb(), hosts, { inboundDomain: env.INBOUND_DOMAIN, mx: env.MTA_STS_MX });
  if (!policy) {
    return new Response("No MTA-STS policy is published here.\n", {
      status: 404,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
    });
  }
  return new Response(policy.text, {
    status: 200,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      // Senders cache by the _mta-sts id, not HTTP; a short HTTP cache keeps a mode change visible quickly.
      "cache-control": "max-age=300",
    },
  });
}
