import { getMessageSource } from "@/server/tickets/message-files";
import { fileDownloadRoute } from "../../../attachments/file-response";

export const dynamic = "force-dynamic";

/** The raw RFC 5322 source of a message, byte for byte, as an .eml download. */
export const GET = fileDownloadRoute(getMessageSource);
