/**
 * The tRPC HTTP endpoint (app/api/trpc/[trpc]/route.ts is a one-line adapter over this), so tests drive exactly
 * what the web process serves with real `Request`s.
 *
 * CSRF: the session cookie is SameSite=Lax, so browsers leave it off cross-site POSTs; as a second, independent
 * guard a state-changing request (anything but GET/HEAD/OPTIONS) must come from the app's own origin:
 * `Sec-Fetch-Site` (every current browser sends it) must be `same-origin` (or `none`, a user-initiated request),
 * else `Origin` must be the request's own origin or APP_URL's. A request with neither header is not from a
 * browser page (curl, server-side calls) and carries no ambient credentials an attacker could borrow, so it passes.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Db } from "../db/client";
import type { Auth } from "../auth/create-auth";
import type { Services } from "../runtime";
import { getSessionInfo } from "../auth/session-user";
import { createContextInner } from "./init";
import { appRouter } from "./routers/_app";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Null when the request may proceed; otherwise why it is refused. */
export function crossSiteRefusal(req: Request, appUrl: string): string | null {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return null;
  const fetchSite = req.headers.get("sec-fetch-site")?.toLowerCase();
  if (fetchSite) {
    return fetchSite === "same-origin" || fetchSite === "none"
      ? null
      : `cross-origin request (Sec-Fetch-Site: ${fetchSite})`;
  }
  const origin = req.headers.get("origin");
  if (origin === null) return null;
  const allowed = new Set([originOf(req.url), originOf(appUrl)]);
  return allowed.has(origin.toLowerCase()) ? null : `cross-origin request (Origin: ${origin})`;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin.toLowerCase();
  } catch {
    return null;
  }
}

/** `services`: the web runtime's (server/web/runtime.ts); defaults to the process's. */
export type TrpcHttpDeps = { db: Db; auth: Auth; appUrl: string; services?: Services };

export async function handleTrpcRequest(req: Request, deps: TrpcHttpDeps): Promise<Response> {
  const refusal = crossSiteRefusal(req, deps.appUrl);
  if (refusal) {
    // The shape tRPC clients read for an error response.
    const error = { message: `Refused: ${refusal}.`, code: -32003, data: { code: "FORBIDDEN", httpStatus: 403 } };
    return Response.json({ error }, { status: 403 });
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () =>
      createContextInner({
        db: deps.db,
        session: await getSessionInfo(deps.auth, req.headers),
        ...(deps.services ? { services: deps.services } : {}),
      }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "?"} failed:`, error.cause ?? error);
    },
  });
}
