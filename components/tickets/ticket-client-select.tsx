"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { cn } from "../ui/cn";
import { controlClass } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";

const FIELDS = ["clientId"] as const;

/**
 * R-UX-3: the ticket's client, set from the ticket page. Choosing one makes the requester the client's contact
 * (as the Unattributed queue's "set client" does) and is recorded in the thread.
 */
export function TicketClientSelect({
  ticketId,
  client,
  disabled,
  onChanged,
}: {
  ticketId: string;
  client: { id: string; name: string } | null;
  disabled: boolean;
  onChanged: () => Promise<void>;
}) {
  const trpc = useTRPC();
  const clients = useQuery(trpc.tickets.filterOptions.queryOptions());
  const setClient = useMutation(trpc.tickets.setClient.mutationOptions());
  const errors = formErrorsOf(setClient.error, FIELDS);
  const message = errors.fields.clientId ?? errors.form;
  return (
    <>
      <select
        id="ticket-client"
        aria-describedby={message ? "ticket-client-error" : "ticket-client-hint"}
        aria-invalid={Boolean(message)}
        className={cn(controlClass, message ? "ring-red-400" : "ring-slate-300", "py-1.5 focus:ring-indigo-500")}
        value={client?.id ?? ""}
        disabled={disabled || setClient.isPending || clients.isPending}
        onChange={(e) =>
          e.target.value &&
          setClient.mutate({ ticketId, clientId: e.target.value }, { onSuccess: () => void onChanged() })
        }
      >
        {client ? null : <option value="">{clients.isPending ? "Loading clients…" : "Choose a client…"}</option>}
        {client && !clients.data?.clients.some((c) => c.id === client.id) ? (
          <option value={client.id}>{client.name}</option>
        ) : null}
        {clients.data?.clients.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
      {message ? (
        <p id="ticket-client-error" role="alert" className="mt-1 text-sm text-red-600">
          {message}
        </p>
      ) : (
        <p id="ticket-client-hint" className="mt-1 text-xs text-slate-500">
          {client ? (
            <Link href={`/clients/${client.id}`} className="text-indigo-700 hover:underline">
              Open {client.name}
            </Link>
          ) : (
            "None yet (Unattributed queue). The requester becomes the client's contact."
          )}
        </p>
      )}
    </>
  );
}
