"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { LoaderCircle, Search } from "lucide-react";
import { useRouter } from "next/navigation";
import { useDeferredValue, useState } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { Dialog } from "../ui/dialog";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";
import { RelativeDate, StatusBadge } from "./ticket-bits";

type MergeSource = { id: string; number: number; subject: string };

const subjectOf = (t: { subject: string }) => t.subject || "(no subject)";

/** R-TKT-3: find the ticket to merge into (number or subject) and merge; then go to the survivor. */
export function MergeDialog({
  open,
  onClose,
  ticket,
}: {
  open: boolean;
  onClose: () => void;
  ticket: MergeSource;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Merge #${ticket.number} into another ticket`}
      description="Its messages move to the other ticket, and replies to it land there too. This ticket closes."
    >
      <MergeForm ticket={ticket} onClose={onClose} />
    </Dialog>
  );
}

function MergeForm({ ticket, onClose }: { ticket: MergeSource; onClose: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [query, setQuery] = useState("");
  const deferred = useDeferredValue(query.trim());
  const [chosen, setChosen] = useState<string | null>(null);
  const targets = useQuery({
    ...trpc.tickets.mergeTargets.queryOptions({ ticketId: ticket.id, query: deferred }),
    placeholderData: (p) => p,
  });
  const merge = useMutation(trpc.tickets.merge.mutationOptions());
  const errors = formErrorsOf(merge.error, []);
  const target = targets.data?.find((t) => t.id === chosen);
  // A list that answers an earlier search stays on screen while the new one loads, but cannot be chosen from:
  // a click there would pick a ticket the search no longer shows.
  const stale = targets.isPlaceholderData || deferred !== query.trim();
  /** Merging cannot be undone: a second step names both tickets before it runs (issue 20). */
  const [confirming, setConfirming] = useState(false);

  if (confirming && target) {
    return (
      <div className="space-y-4 text-sm text-slate-700" role="group" aria-label="Confirm the merge">
        <p>
          Merge <strong className="font-semibold text-slate-900">#{ticket.number} “{subjectOf(ticket)}”</strong> into{" "}
          <strong className="font-semibold text-slate-900">#{target.number} “{subjectOf(target)}”</strong>?
        </p>
        <p className="text-slate-600">
          The messages of #{ticket.number} move to #{target.number}, and #{ticket.number} closes. This cannot be undone.
        </p>
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        <div className="flex flex-wrap justify-end gap-2 border-t border-slate-200 pt-4">
          <Button variant="secondary" onClick={() => setConfirming(false)} disabled={merge.isPending} autoFocus>
            Back
          </Button>
          <Button
            disabled={merge.isPending}
            onClick={() =>
              merge.mutate(
                { sourceId: ticket.id, targetId: target.id },
                {
                  onSuccess: (result) => {
                    void queryClient.invalidateQueries({ queryKey: trpc.tickets.pathKey() });
                    onClose();
                    router.push(`/tickets/${result.survivorId}`);
                  },
                },
              )
            }
          >
            {merge.isPending ? "Merging…" : `Merge #${ticket.number} into #${target.number}`}
          </Button>
        </div>
      </div>
    );
  }

  return (
    <div className="space-y-4">
      <div className="relative">
        {/* The search icon turns into a spinner while the list below still answers an earlier search. */}
        {stale ? (
          <LoaderCircle
            className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 animate-spin text-indigo-500"
            aria-hidden
          />
        ) : (
          <Search
            className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-slate-400"
            aria-hidden
          />
        )}
        <input
          type="search"
          autoFocus
          aria-label="Find a ticket by number or subject"
          placeholder="Ticket number or subject"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          className="block w-full rounded-md border-0 py-2 pr-3 pl-9 text-sm shadow-sm ring-1 ring-slate-300 ring-inset placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500 focus:outline-none"
        />
        <p role="status" className="sr-only">
          {stale && !targets.isPending ? `Searching for “${query.trim()}”…` : ""}
        </p>
      </div>
      <div
        role="radiogroup"
        aria-label="Ticket to merge into"
        aria-busy={stale || targets.isPending}
        className={cn("max-h-72 space-y-1 overflow-y-auto transition-opacity", stale && "opacity-60")}
      >
        {targets.isPending ? <p className="py-4 text-center text-sm text-slate-500">Searching…</p> : null}
        {targets.isError ? (
          <p className="py-4 text-center text-sm text-red-600">Could not load tickets: {targets.error.message}</p>
        ) : null}
        {targets.data?.length === 0 ? (
          <p className="py-4 text-center text-sm text-slate-500">No other ticket matches “{deferred}”.</p>
        ) : null}
        {targets.data?.map((t) => (
          <label
            key={t.id}
            className={cn(
              "flex cursor-pointer items-center gap-3 rounded-md px-3 py-2 text-sm ring-1 ring-inset",
              chosen === t.id ? "bg-indigo-50 ring-indigo-300" : "ring-transparent hover:bg-slate-50",
              stale && "cursor-wait",
            )}
          >
            <input
              type="radio"
              name="merge-target"
              value={t.id}
              checked={chosen === t.id}
              disabled={stale}
              onChange={() => setChosen(t.id)}
              className="accent-indigo-600"
            />
            <span className="font-mono text-slate-500">#{t.number}</span>
            <span className="min-w-0 flex-1 truncate font-medium text-slate-900">{subjectOf(t)}</span>
            <span className="hidden text-xs text-slate-500 sm:inline">{t.client?.name ?? "Unattributed"}</span>
            <StatusBadge status={t.status} />
            <span className="text-xs text-slate-500">
              <RelativeDate value={t.lastActivityAt} />
            </span>
          </label>
        ))}
      </div>
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <div className="flex justify-end gap-2 border-t border-slate-200 pt-4">
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
        <Button disabled={!target} onClick={() => setConfirming(true)}>
          {target ? `Merge into #${target.number}…` : "Choose a ticket"}
        </Button>
      </div>
    </div>
  );
}
