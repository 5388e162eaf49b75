import { handleTrpcRequest } from "@/server/trpc/http";
import { getAuth, getDb } from "@/server/auth/web";
import { loadEnv } from "@/server/env";

export const dynamic = "force-dynamic";

/** tRPC over HTTP, with the same-origin check for state-changing requests (server/trpc/http.ts). */
function handler(req: Request) {
  return handleTrpcRequest(req, { db: getDb(), auth: getAuth(), appUrl: loadEnv().APP_URL });
}

export { handler as GET, handler as POST };
