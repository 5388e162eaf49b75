import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";

export const deleteCannedResponseInput = z.object({ id: z.string().min(1).max(100) });

/** Deletes one of the tenant's canned responses (R-UX-3); replies already sent with it are unchanged. */
export async function deleteCannedResponse(db: Db, tenantId: string, input: z.input<typeof deleteCannedResponseInput>) {
  const { id } = deleteCannedResponseInput.parse(input);
  const deleted = await db.cannedResponse.deleteMany({ where: { id, tenantId } });
  if (!deleted.count) throw new AppError("NOT_FOUND", "That canned response no longer exists.");
  return { id };
}
