import type { Db } from "../db/client";
import { AppError } from "../errors";

/**
 * Deletes a client and its domains. Its tickets are kept and return to the Unattributed queue; its contacts are
 * kept without a client, so their history (tickets they requested) stays intact.
 */
export async function deleteClient(db: Db, tenantId: string, clientId: string) {
  const { count } = await db.client.deleteMany({ where: { id: clientId, tenantId } });
  if (count === 0) throw new AppError("NOT_FOUND", "No such client.");
  return { id: clientId };
}
