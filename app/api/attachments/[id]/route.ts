import { getAttachmentFile } from "@/server/tickets/message-files";
import { fileDownloadRoute } from "../file-response";

export const dynamic = "force-dynamic";

/** An attachment's bytes exactly as stored, for the signed-in user's tenant only. */
export const GET = fileDownloadRoute(getAttachmentFile);
