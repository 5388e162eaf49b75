import { getDb } from "@/server/auth/web";
import { getMessageSource } from "@/server/tickets/message-files";
import { downloadResponse, notFoundOr, plainResponse, requestUser } from "../../../attachments/file-response";

export const dynamic = "force-dynamic";

/** The raw RFC 5322 source of a message, byte for byte, as an .eml download. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await requestUser(req);
  if (!user) return plainResponse(401, "Sign in to continue.");
  const { id } = await params;
  try {
    return downloadResponse(await getMessageSource(getDb(), user.tenantId, id));
  } catch (err) {
    return notFoundOr(err);
  }
}
