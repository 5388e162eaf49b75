import { getDb } from "@/server/auth/web";
import { getAttachmentFile } from "@/server/tickets/message-files";
import { downloadResponse, notFoundOr, plainResponse, requestUser } from "../file-response";

export const dynamic = "force-dynamic";

/** An attachment's bytes exactly as stored, for the signed-in user's tenant only. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await requestUser(req);
  if (!user) return plainResponse(401, "Sign in to continue.");
  const { id } = await params;
  try {
    return downloadResponse(await getAttachmentFile(getDb(), user.tenantId, id));
  } catch (err) {
    return notFoundOr(err);
  }
}
