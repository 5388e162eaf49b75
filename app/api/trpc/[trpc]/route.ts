import { handleTrpcRequest } from "@/server/trpc/http";
import { getAuth } from "@/server/auth/web";
import { getWebRuntime } from "@/server/web/runtime";

export const dynamic = "force-dynamic";

/** tRPC over HTTP, with the same-origin check for state-changing requests (server/trpc/http.ts). */
function handler(req: Request) {
  const { db, ...services } = getWebRuntime();
  return handleTrpcRequest(req, { db, auth: getAuth(), appUrl: services.env.APP_URL, services });
}

export { handler as GET, handler as POST };
