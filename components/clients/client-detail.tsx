"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Pencil, Plus, Trash2, UserRound } from "lucide-react";
import { useState } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { PageHeader } from "../ui/page-header";
import { useTRPC } from "../trpc/client";
import { ClientSendingOverride } from "../sending-domains/client-sending-override";
import { TicketsList } from "../tickets/tickets-list";
import { ClientFormDialog } from "./client-form-dialog";
import { ContactFormDialog, type ContactFormTarget } from "./contact-form-dialog";

/** A client: domains, contacts (each linking to their tickets), sending override, and its tickets (R-UX-3). */
export function ClientDetail({
  clientId,
  canEdit,
  mailbox,
  requesterId,
}: {
  clientId: string;
  canEdit: boolean;
  mailbox: string;
  requesterId?: string | undefined;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const client = useQuery(trpc.clients.get.queryOptions({ id: clientId }));
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [contactTarget, setContactTarget] = useState<ContactFormTarget | null>(null);
  const [removing, setRemoving] = useState<{ id: string; email: string } | null>(null);
  const deleteClient = useMutation(trpc.clients.delete.mutationOptions());
  const removeContact = useMutation(trpc.clients.removeContact.mutationOptions());

  const breadcrumb = (
    <Link href="/clients" className="hover:text-slate-700">
      ← Clients
    </Link>
  );
  if (client.isPending) {
    return (
      <div aria-busy className="animate-pulse space-y-4">
        <span className="sr-only">Loading client…</span>
        <div className="h-7 w-64 rounded bg-slate-200" />
        <div className="h-40 rounded-xl bg-white ring-1 ring-slate-200" />
      </div>
    );
  }
  if (client.isError) {
    return (
      <>
        <PageHeader title="Client" breadcrumb={breadcrumb} />
        <Alert>{client.error.data?.code === "NOT_FOUND" ? "This client does not exist (or was deleted)." : client.error.message}</Alert>
      </>
    );
  }
  const c = client.data;

  return (
    <>
      <PageHeader
        title={c.name}
        breadcrumb={breadcrumb}
        description={c.notes || undefined}
        actions={
          canEdit ? (
            <>
              <Button variant="secondary" onClick={() => setEditing(true)}>
                <Pencil className="size-4" aria-hidden />
                Edit
              </Button>
              <Button variant="secondary" onClick={() => setDeleting(true)}>
                <Trash2 className="size-4 text-red-500" aria-hidden />
                Delete
              </Button>
            </>
          ) : null
        }
      />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <Card className="lg:col-span-1">
          <CardHeader title="Domains" description="Mail from these domains and their subdomains is attributed to this client." />
          <ul className="divide-y divide-slate-100 px-5">
            {c.primaryDomain ? (
              <li className="flex items-center justify-between py-3 text-sm">
                <span className="font-medium text-slate-900">{c.primaryDomain}</span>
                <Badge tone="indigo">Primary</Badge>
              </li>
            ) : (
              <li className="py-3 text-sm text-slate-500">No domain: only the contacts’ addresses identify this client.</li>
            )}
            {c.aliasDomains.map((d) => (
              <li key={d} className="flex items-center justify-between py-3 text-sm">
                <span className="text-slate-700">{d}</span>
                <Badge>Alias</Badge>
              </li>
            ))}
          </ul>
        </Card>
        <Card className="overflow-x-auto lg:col-span-2">
          <CardHeader
            title={`Contacts (${c.contacts.length})`}
            description="People at this client. Their mail is attributed here even from other domains."
            actions={
              canEdit ? (
                <Button size="sm" onClick={() => setContactTarget({ mode: "add", clientId: c.id })}>
                  <Plus className="size-3.5" aria-hidden />
                  Add contact
                </Button>
              ) : null
            }
          />
          {c.contacts.length === 0 ? (
            <div className="px-5 py-10 text-center">
              <UserRound className="mx-auto size-8 text-slate-300" aria-hidden />
              <p className="mt-2 text-sm text-slate-500">No contacts yet.</p>
            </div>
          ) : (
            <table className="min-w-full text-sm" aria-label="Contacts">
              <thead>
                <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
                  <th scope="col" className="px-5 py-2.5">Name</th>
                  <th scope="col" className="px-5 py-2.5">Email</th>
                  <th scope="col" className="px-5 py-2.5 text-right">Tickets</th>
                  {canEdit ? <th scope="col" className="px-5 py-2.5"><span className="sr-only">Actions</span></th> : null}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {c.contacts.map((contact) => (
                  <tr key={contact.id}>
                    <td className="px-5 py-3 text-slate-900">{contact.name || <span className="text-slate-400">—</span>}</td>
                    <td className="px-5 py-3 text-slate-700">
                      {contact.email}
                      {contact.emailFailing ? (
                        <Badge tone="red" className="ml-2">
                          Bouncing
                        </Badge>
                      ) : null}
                    </td>
                    <td className="px-5 py-3 text-right text-slate-600 tabular-nums">
                      {contact.ticketCount ? (
                        <Link
                          href={`/clients/${c.id}?requester=${contact.id}#tickets`}
                          aria-label={`Tickets of ${contact.email} (${contact.ticketCount})`}
                          className="text-indigo-700 hover:underline"
                        >
                          {contact.ticketCount}
                        </Link>
                      ) : (
                        0
                      )}
                    </td>
                    {canEdit ? (
                      <td className="px-5 py-3 text-right whitespace-nowrap">
                        <Button
                          variant="ghost"
                          size="sm"
                          aria-label={`Edit ${contact.email}`}
                          onClick={() => setContactTarget({ mode: "edit", contactId: contact.id, name: contact.name, email: contact.email })}
                        >
                          <Pencil className="size-3.5" aria-hidden />
                        </Button>
                        <Button variant="ghost" size="sm" aria-label={`Remove ${contact.email}`} onClick={() => setRemoving(contact)}>
                          <Trash2 className="size-3.5" aria-hidden />
                        </Button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      <ClientSendingOverride clientId={c.id} canEdit={canEdit} />
      <section id="tickets" aria-label={`Tickets of ${c.name}`} className="mt-8 scroll-mt-6">
        <TicketsList
          key={requesterId ?? "all"}
          mailbox={mailbox}
          scope={{ clientId: c.id, requesters: c.contacts }}
        />
      </section>

      <ClientFormDialog
        open={editing}
        onClose={() => setEditing(false)}
        clientId={c.id}
        initial={{ name: c.name, primaryDomain: c.primaryDomain ?? "", aliasDomains: c.aliasDomains, notes: c.notes }}
      />
      <ContactFormDialog target={contactTarget} onClose={() => setContactTarget(null)} />
      <ConfirmDialog
        open={deleting}
        title={`Delete ${c.name}?`}
        confirmLabel="Delete client"
        pending={deleteClient.isPending}
        error={deleteClient.error?.message}
        onClose={() => setDeleting(false)}
        onConfirm={() =>
          deleteClient.mutate(
            { id: c.id },
            {
              onSuccess: () => {
                void queryClient.invalidateQueries({ queryKey: trpc.clients.pathKey() });
                router.push("/clients");
              },
            },
          )
        }
      >
        <p>
          Its domains stop attributing mail. Its {c.ticketCount} tickets go back to the Unattributed queue, and its contacts are kept without a
          client.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={removing !== null}
        title="Remove contact?"
        confirmLabel="Remove contact"
        pending={removeContact.isPending}
        error={removeContact.error?.message}
        onClose={() => setRemoving(null)}
        onConfirm={() =>
          removing &&
          removeContact.mutate(
            { id: removing.id },
            {
              onSuccess: () => {
                void queryClient.invalidateQueries({ queryKey: trpc.clients.pathKey() });
                setRemoving(null);
              },
            },
          )
        }
      >
        <p>{removing?.email} will no longer be attributed to this client. Tickets they requested are kept.</p>
      </ConfirmDialog>
    </>
  );
}
