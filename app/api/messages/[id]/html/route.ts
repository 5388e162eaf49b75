import { getDb } from "@/server/web/runtime";
import { getMessageHtmlDocument, messageHtmlCsp } from "@/server/tickets/message-files";
import { notFoundOr, plainResponse, requestUser } from "../../../attachments/file-response";

export const dynamic = "force-dynamic";

/**
 * A message's HTML for the ticket page's sandboxed iframe (R-TKT-1): sanitised again, under a CSP that lets
 * nothing run or load but inline styles and embedded images; remote images only with `?remote=1`, which the
 * page adds when the reader clicks "Load remote content".
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await requestUser(req);
  if (!user) return plainResponse(401, "Sign in to continue.");
  const { id } = await params;
  const loadRemote = new URL(req.url).searchParams.get("remote") === "1";
  try {
    const html = await getMessageHtmlDocument(getDb(), user.tenantId, id, { loadRemote });
    return new Response(html, {
      status: 200,
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": messageHtmlCsp(loadRemote),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "private, no-store",
      },
    });
  } catch (err) {
    return notFoundOr(err);
  }
}
