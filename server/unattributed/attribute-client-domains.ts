/**
 * B5: a client created or edited with domains takes the queued tickets from those domains at once, as the queue's
 * "Add domain" would. Composed here, above clients/, so the client functions stay free of the queue.
 */
import type { Db } from "../db/client";
import { createClient, type CreateClientInput } from "../clients/create-client";
import { updateClient, type UpdateClientInput } from "../clients/update-client";
import { attributeQueuedFromClientDomains } from "./attribute-tickets";

export async function createClientAndAttribute(db: Db, tenantId: string, input: CreateClientInput) {
  const created = await createClient(db, tenantId, input);
  const attributed = await attributeQueuedFromClientDomains(db, tenantId, created.id);
  return { ...created, attributedTickets: attributed.length };
}

export async function updateClientAndAttribute(db: Db, tenantId: string, input: UpdateClientInput) {
  const updated = await updateClient(db, tenantId, input);
  const attributed = await attributeQueuedFromClientDomains(db, tenantId, updated.id);
  return { ...updated, attributedTickets: attributed.length };
}
