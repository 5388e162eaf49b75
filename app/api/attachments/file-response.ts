/**
 * Shared by the ticket page's file routes: who is asking (session → active user → tenant), and the headers
 * every download carries (R-TKT-1: attachment disposition, the stored type, nosniff, no caching by others).
 */
import "server-only";
import { getSessionInfo, getSessionUser } from "@/server/auth/session-user";
import { getAuth } from "@/server/auth/web";
import { getDb } from "@/server/web/runtime";
import type { Db } from "@/server/db/client";
import { isAppError } from "@/server/errors";
import { attachmentDisposition, type FileDownload } from "@/server/tickets/message-files";
import type { SessionUser } from "@/server/users/get-user";

/** The signed-in, active user behind the request, or null. Every role works tickets (R-TEN-4). */
export async function requestUser(req: Request): Promise<SessionUser | null> {
  return getSessionUser(getDb(), await getSessionInfo(getAuth(), req.headers));
}

export function plainResponse(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store",
    },
  });
}

/**
 * A NOT_FOUND AppError → 404 (never a hint that the id exists in another tenant); FORBIDDEN (a message with
 * malware, R-SPAM-1) → 403; anything else rethrown.
 */
export function notFoundOr(err: unknown): Response {
  if (isAppError(err) && err.code === "NOT_FOUND") return plainResponse(404, err.message);
  if (isAppError(err) && err.code === "FORBIDDEN") return plainResponse(403, err.message);
  throw err;
}

function downloadResponse(file: FileDownload): Response {
  return new Response(Buffer.from(file.content), {
    status: 200,
    headers: {
      "Content-Type": file.contentType,
      "Content-Length": String(file.content.byteLength),
      "Content-Disposition": attachmentDisposition(file.filename),
      "X-Content-Type-Options": "nosniff",
      // Opened directly in a tab, an HTML or SVG attachment still cannot run anything.
      "Content-Security-Policy": "default-src 'none'; sandbox",
      "Cache-Control": "private, no-store",
    },
  });
}

/**
 * The GET handler of a per-id file route: signed-in user, then `load` for their tenant only, as a download; an id
 * that is not theirs is a 404.
 */
export function fileDownloadRoute(load: (db: Db, tenantId: string, id: string) => Promise<FileDownload>) {
  return async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
    const user = await requestUser(req);
    if (!user) return plainResponse(401, "Sign in to continue.");
    const { id } = await params;
    try {
      return downloadResponse(await load(getDb(), user.tenantId, id));
    } catch (err) {
      return notFoundOr(err);
    }
  };
}
