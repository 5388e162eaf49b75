import { z } from "zod";
import { adminProcedure, createTRPCRouter, protectedProcedure } from "../init";
import { listClients, listClientsInput } from "../../clients/list-clients";
import { getClient } from "../../clients/get-client";
import { createClientInput } from "../../clients/create-client";
import { updateClientInput } from "../../clients/update-client";
import { createClientAndAttribute, updateClientAndAttribute } from "../../unattributed/attribute-client-domains";
import { deleteClient } from "../../clients/delete-client";
import { addContact, addContactInput } from "../../clients/add-contact";
import { updateContact, updateContactInput } from "../../clients/update-contact";
import { removeContact } from "../../clients/remove-contact";
import { getClientSendingOverride, setClientSendingOverride } from "../../sending-domains";

const byId = z.object({ id: z.string().min(1) });

/** Everyone reads clients (tickets need them); only admins change them (R-TEN-4). */
export const clientsRouter = createTRPCRouter({
  list: protectedProcedure.input(listClientsInput).query(({ ctx, input }) => listClients(ctx.db, ctx.tenantId, input)),
  get: protectedProcedure.input(byId).query(({ ctx, input }) => getClient(ctx.db, ctx.tenantId, input.id)),
  create: adminProcedure.input(createClientInput).mutation(({ ctx, input }) => createClientAndAttribute(ctx.db, ctx.tenantId, input)),
  update: adminProcedure.input(updateClientInput).mutation(({ ctx, input }) => updateClientAndAttribute(ctx.db, ctx.tenantId, input)),
  delete: adminProcedure.input(byId).mutation(({ ctx, input }) => deleteClient(ctx.db, ctx.tenantId, input.id)),
  addContact: adminProcedure.input(addContactInput).mutation(({ ctx, input }) => addContact(ctx.db, ctx.tenantId, input)),
  updateContact: adminProcedure
    .input(updateContactInput)
    .mutation(({ ctx, input }) => updateContact(ctx.db, ctx.tenantId, input)),
  removeContact: adminProcedure.input(byId).mutation(({ ctx, input }) => removeContact(ctx.db, ctx.tenantId, input.id)),
  /** Client → Settings → Email (R-DOM-4): the client's sending domain / address override. */
  sendingOverride: protectedProcedure
    .input(byId)
    .query(({ ctx, input }) => getClientSendingOverride(ctx.db, ctx.tenantId, input.id)),
  setSendingOverride: adminProcedure
    .input(
      z.object({
        clientId: z.string().min(1),
        sendingDomainId: z.string().min(1).nullable(),
        address: z.string().nullable().optional(),
        name: z.string().nullable().optional(),
      }),
    )
    .mutation(({ ctx, input }) => setClientSendingOverride(ctx.db, { tenantId: ctx.tenantId, ...input })),
});
