"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { Building2, Plus } from "lucide-react";
import { useDeferredValue, useState } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { PageHeader } from "../ui/page-header";
import { SearchField } from "../ui/search-field";
import { useTRPC } from "../trpc/client";
import { ClientFormDialog } from "./client-form-dialog";

export function ClientsList({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const deferred = useDeferredValue(search.trim());
  const [creating, setCreating] = useState(false);
  const clients = useQuery({ ...trpc.clients.list.queryOptions({ search: deferred }), placeholderData: (prev) => prev });

  return (
    <>
      <PageHeader
        title="Clients"
        description="The organisations you support. Mail from a contact's address, or from a client's primary or alias domain, is attributed to that client."
        actions={
          canEdit ? (
            <Button onClick={() => setCreating(true)}>
              <Plus className="size-4" aria-hidden />
              New client
            </Button>
          ) : null
        }
      />
      <SearchField
        className="mb-4 max-w-sm"
        label="Search clients"
        placeholder="Search by name, domain or contact email"
        value={search}
        onValueChange={setSearch}
      />

      {clients.isError ? <Alert>Could not load clients: {clients.error.message}</Alert> : null}
      {clients.isPending ? <ListSkeleton /> : null}
      {clients.data && clients.data.length === 0 ? (
        deferred ? (
          <Card className="px-6 py-12 text-center">
            <p className="text-sm text-slate-600">No clients match “{deferred}”.</p>
          </Card>
        ) : (
          <Card className="px-6 py-14 text-center">
            <Building2 className="mx-auto size-10 text-slate-300" aria-hidden />
            <h2 className="mt-3 text-sm font-semibold text-slate-900">No clients yet</h2>
            <p className="mx-auto mt-1 max-w-sm text-sm text-slate-500">
              Add the organisations you support with their email domains, and their mail will land on their tickets.
            </p>
            {canEdit ? (
              <Button className="mt-5" onClick={() => setCreating(true)}>
                <Plus className="size-4" aria-hidden />
                New client
              </Button>
            ) : null}
          </Card>
        )
      ) : null}
      {clients.data && clients.data.length > 0 ? (
        <Card className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <thead className="bg-slate-50">
              <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
                <th scope="col" className="px-5 py-3">Client</th>
                <th scope="col" className="px-5 py-3">Domains</th>
                <th scope="col" className="px-5 py-3 text-right">Contacts</th>
                <th scope="col" className="px-5 py-3 text-right">Tickets</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {clients.data.map((client) => (
                <tr key={client.id} className="hover:bg-slate-50">
                  <td className="px-5 py-3.5">
                    <Link href={`/clients/${client.id}`} className="font-medium text-slate-900 hover:text-indigo-600">
                      {client.name}
                    </Link>
                  </td>
                  <td className="px-5 py-3.5">
                    <div className="flex flex-wrap items-center gap-1.5">
                      {client.primaryDomain ? <Badge tone="indigo">{client.primaryDomain}</Badge> : <span className="text-slate-400">No domain</span>}
                      {client.aliasDomains.map((d) => (
                        <Badge key={d}>{d}</Badge>
                      ))}
                    </div>
                  </td>
                  <td className="px-5 py-3.5 text-right text-slate-600 tabular-nums">{client.contactCount}</td>
                  <td className="px-5 py-3.5 text-right text-slate-600 tabular-nums">{client.ticketCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="border-t border-slate-200 bg-slate-50 px-5 py-2.5 text-xs text-slate-500">
            {clients.data.length} {clients.data.length === 1 ? "client" : "clients"}
            {deferred ? ` matching “${deferred}”` : ""}
          </p>
        </Card>
      ) : null}
      <ClientFormDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}

function ListSkeleton() {
  return (
    <Card className="divide-y divide-slate-100" aria-busy>
      <span className="sr-only">Loading clients…</span>
      {[0, 1, 2].map((i) => (
        <div key={i} className="flex animate-pulse items-center gap-6 px-5 py-4">
          <div className="h-3.5 w-40 rounded bg-slate-200" />
          <div className="h-3.5 w-56 rounded bg-slate-100" />
        </div>
      ))}
    </Card>
  );
}
