"use client";
import { useQuery } from "@tanstack/react-query";
import { Search } from "lucide-react";
import { useDeferredValue, useId, useState } from "react";
import { cn } from "../ui/cn";
import { useTRPC } from "../trpc/client";

export type PickedClient = { id: string; name: string };

/**
 * A searchable client choice: a search box over the tenant's clients and the matches as a radio group, so it
 * is keyboard-usable without a custom widget (Tab into the list, arrow keys to move, Space to choose).
 */
export function ClientPicker({
  value,
  onChange,
  error,
}: {
  value: PickedClient | null;
  onChange: (client: PickedClient) => void;
  error?: string | undefined;
}) {
  const trpc = useTRPC();
  const id = useId();
  const [search, setSearch] = useState("");
  const deferred = useDeferredValue(search.trim());
  const clients = useQuery({ ...trpc.clients.list.queryOptions({ search: deferred }), placeholderData: (prev) => prev });
  const shown = clients.data?.slice(0, 50) ?? [];

  return (
    <fieldset className="space-y-2" aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="mb-1.5 block text-sm font-medium text-slate-700">Client</legend>
      <div className="relative">
        <Search className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-slate-400" aria-hidden />
        <input
          type="search"
          aria-label="Search clients"
          placeholder="Search by name, domain or contact"
          value={search}
          autoFocus
          onChange={(e) => setSearch(e.target.value)}
          onKeyDown={(e) => {
            // Enter picks the first match instead of submitting the dialog's form with no choice.
            if (e.key === "Enter") {
              e.preventDefault();
              // Only from a list that answers what is typed now, never a stale one still on screen.
              const current = deferred === search.trim() && !clients.isPlaceholderData && !clients.isFetching;
              const first = current ? shown[0] : undefined;
              if (first) onChange({ id: first.id, name: first.name });
            }
          }}
          className="block w-full rounded-md border-0 py-2 pr-3 pl-9 text-sm shadow-sm ring-1 ring-slate-300 ring-inset placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500 focus:outline-none"
        />
      </div>
      <div
        role="radiogroup"
        aria-label="Clients"
        aria-busy={clients.isFetching}
        className={cn(
          "max-h-56 overflow-y-auto rounded-md ring-1 ring-inset",
          error ? "ring-red-400" : "ring-slate-200",
        )}
      >
        {clients.isPending ? (
          <p className="px-3 py-3 text-sm text-slate-500">Loading clients…</p>
        ) : clients.isError ? (
          <p className="px-3 py-3 text-sm text-red-600">Could not load clients: {clients.error.message}</p>
        ) : shown.length === 0 ? (
          <p className="px-3 py-3 text-sm text-slate-500">
            {deferred ? `No clients match “${deferred}”.` : "There are no clients yet. An admin adds them under Clients."}
          </p>
        ) : (
          <ul className="divide-y divide-slate-100">
            {shown.map((c) => {
              const checked = value?.id === c.id;
              return (
                <li key={c.id}>
                  <label
                    className={cn(
                      "flex cursor-pointer items-center gap-3 px-3 py-2 text-sm hover:bg-slate-50",
                      checked && "bg-indigo-50 hover:bg-indigo-50",
                    )}
                  >
                    <input
                      type="radio"
                      name={`${id}-client`}
                      value={c.id}
                      checked={checked}
                      onChange={() => onChange({ id: c.id, name: c.name })}
                      className="size-4 border-slate-300 text-indigo-600 focus:ring-indigo-500"
                    />
                    <span className="min-w-0 flex-1">
                      <span className="block truncate font-medium text-slate-900">{c.name}</span>
                      <span className="block truncate text-xs text-slate-500">
                        {[c.primaryDomain, ...c.aliasDomains].filter(Boolean).join(", ") || "No domain"}
                      </span>
                    </span>
                  </label>
                </li>
              );
            })}
          </ul>
        )}
      </div>
      {error ? (
        <p id={`${id}-error`} role="alert" className="text-sm text-red-600">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
