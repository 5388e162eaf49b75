"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { History, Plus, ShieldBan } from "lucide-react";
import { useDeferredValue, useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { TextField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { PageHeader } from "../ui/page-header";
import { SearchField } from "../ui/search-field";
import { useTRPC } from "../trpc/client";
import { formatDateTime } from "../ui/format-date";

type Kind = "EMAIL" | "DOMAIN" | "PATTERN";
const KIND_LABEL: Record<Kind, string> = { EMAIL: "Address", DOMAIN: "Domain", PATTERN: "Pattern" };
const KIND_TONE: Record<Kind, "indigo" | "amber" | "slate"> = { EMAIL: "slate", DOMAIN: "indigo", PATTERN: "amber" };
const FIELDS = ["value", "note"] as const;

function when(d: Date | string | null | undefined): string {
  return formatDateTime(d);
}

/** R-BL-1: add, list, search and unblock blocklist entries, and the history of adds and removals. */
export function BlocklistScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const deferred = useDeferredValue(search.trim());
  const [unblocking, setUnblocking] = useState<{ id: string; value: string } | null>(null);
  const entries = useQuery({ ...trpc.blocklist.list.queryOptions({ search: deferred }), placeholderData: (prev) => prev });
  const history = useQuery(trpc.blocklist.history.queryOptions());
  const remove = useMutation(trpc.blocklist.remove.mutationOptions());

  const refresh = async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.blocklist.list.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.blocklist.history.queryKey() }),
    ]);
  };

  async function confirmUnblock() {
    if (!unblocking) return;
    await remove.mutateAsync({ id: unblocking.id });
    setUnblocking(null);
    await refresh();
  }

  return (
    <>
      <PageHeader
        title="Blocklist"
        description="Mail from these senders is accepted and dropped silently before a ticket is made: no bounce, no reply. A domain also blocks its subdomains."
      />
      <AddEntryCard onAdded={refresh} />

      <SearchField
        className="mb-4 max-w-sm"
        label="Search the blocklist"
        placeholder="Search by address, domain, pattern or note"
        value={search}
        onValueChange={setSearch}
      />

      {entries.isError ? <Alert>Could not load the blocklist: {entries.error.message}</Alert> : null}
      {entries.isPending ? <ListSkeleton /> : null}
      {entries.data && entries.data.length === 0 ? (
        deferred ? (
          <Card className="px-6 py-12 text-center">
            <p className="text-sm text-slate-600">No blocked senders match “{deferred}”.</p>
          </Card>
        ) : (
          <Card className="px-6 py-14 text-center">
            <ShieldBan className="mx-auto size-10 text-slate-300" aria-hidden />
            <h2 className="mt-3 text-sm font-semibold text-slate-900">Nobody is blocked</h2>
            <p className="mx-auto mt-1 max-w-sm text-sm text-slate-500">
              Block a sender above and their mail will be dropped before it becomes a ticket.
            </p>
          </Card>
        )
      ) : null}
      {entries.data && entries.data.length > 0 ? (
        <Card className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Blocked senders">
            <thead className="bg-slate-50">
              <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
                <th scope="col" className="px-5 py-3">Blocked</th>
                <th scope="col" className="px-5 py-3">Note</th>
                <th scope="col" className="px-5 py-3">Added</th>
                <th scope="col" className="px-5 py-3 text-right">Dropped</th>
                <th scope="col" className="px-5 py-3">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {entries.data.map((entry) => (
                <tr key={entry.id} className="hover:bg-slate-50" data-testid="blocklist-row">
                  <td className="px-5 py-3.5">
                    <div className="flex items-center gap-2">
                      <span className="font-mono font-medium text-slate-900">{entry.value}</span>
                      <Badge tone={KIND_TONE[entry.kind]}>{KIND_LABEL[entry.kind]}</Badge>
                    </div>
                  </td>
                  <td className="max-w-xs px-5 py-3.5 text-slate-600">
                    {entry.note ? <span className="break-words">{entry.note}</span> : <span className="text-slate-400">—</span>}
                  </td>
                  <td className="px-5 py-3.5 text-slate-600">
                    <div>{entry.createdBy?.name ?? "Someone no longer here"}</div>
                    <div className="text-xs text-slate-500">{when(entry.createdAt)}</div>
                  </td>
                  <td className="px-5 py-3.5 text-right text-slate-600" data-testid="blocklist-drops">
                    <div className="tabular-nums">
                      {entry.dropCount} {entry.dropCount === 1 ? "message" : "messages"}
                    </div>
                    <div className="text-xs text-slate-500">{entry.lastDropAt ? `last ${when(entry.lastDropAt)}` : "none yet"}</div>
                  </td>
                  <td className="px-5 py-3.5 text-right">
                    <Button
                      variant="secondary"
                      size="sm"
                      aria-label={`Unblock ${entry.value}`}
                      onClick={() => {
                        remove.reset();
                        setUnblocking({ id: entry.id, value: entry.value });
                      }}
                    >
                      Unblock
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="border-t border-slate-200 bg-slate-50 px-5 py-2.5 text-xs text-slate-500">
            {entries.data.length} blocked {entries.data.length === 1 ? "entry" : "entries"}
            {deferred ? ` matching “${deferred}”` : ""}
          </p>
        </Card>
      ) : null}

      <HistorySection history={history} />

      <ConfirmDialog
        open={unblocking !== null}
        title="Unblock this sender?"
        confirmLabel="Unblock"
        pending={remove.isPending}
        error={remove.error ? remove.error.message : null}
        onConfirm={() => void confirmUnblock().catch(() => undefined)}
        onClose={() => setUnblocking(null)}
      >
        <p>
          Mail from <span className="font-mono font-medium text-slate-900">{unblocking?.value}</span> will make tickets
          again. The entry stays in the history.
        </p>
      </ConfirmDialog>
    </>
  );
}

function AddEntryCard({ onAdded }: { onAdded: () => Promise<void> }) {
  const trpc = useTRPC();
  const [value, setValue] = useState("");
  const [note, setNote] = useState("");
  const [added, setAdded] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const add = useMutation(trpc.blocklist.add.mutationOptions());
  // Guards: what the entry would drop that needs confirming, asked before adding (the server refuses it unconfirmed).
  const [impact, setImpact] = useState<string[] | null>(null);
  const [checking, setChecking] = useState(false);
  const errors = formErrorsOf(impact ? null : add.error, FIELDS);

  async function block(confirmed: boolean) {
    const entry = await add.mutateAsync({ value, note, confirmed });
    setImpact(null);
    setValue("");
    setNote("");
    setAdded(entry.value);
    await onAdded();
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setAdded(null);
    add.reset();
    setChecking(true);
    try {
      const found = await queryClient.fetchQuery(trpc.blocklist.impact.queryOptions({ value }, { staleTime: 0 }));
      if (found.length) {
        setImpact(found);
        return;
      }
    } finally {
      setChecking(false);
    }
    await block(false);
  }

  return (
    <section aria-label="Block a sender" className="mb-6">
      <Card>
        <CardHeader
          title="Block a sender"
          description="A full email address, a domain (its subdomains too) or a pattern where * stands for any characters and ? for one."
        />
        <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="space-y-4 px-5 py-5">
          {errors.form ? <Alert>{errors.form}</Alert> : null}
          <div className="grid gap-4 md:grid-cols-5">
            <div className="md:col-span-2">
              <TextField
                label="Address, domain or pattern"
                name="value"
                autoComplete="off"
                spellCheck={false}
                placeholder="*@spam-domain.co"
                value={value}
                onChange={(e) => setValue(e.target.value)}
                error={errors.fields.value}
                hint={
                  <>
                    For example <code>someone@example.com</code>, <code>example.com</code> or <code>*@spam-domain.co</code>
                  </>
                }
              />
            </div>
            <div className="md:col-span-3">
              <TextField
                label="Note (optional)"
                name="note"
                placeholder="Why it is blocked"
                maxLength={500}
                value={note}
                onChange={(e) => setNote(e.target.value)}
                error={errors.fields.note}
              />
            </div>
          </div>
          <div className="flex flex-wrap items-center gap-3">
            <Button type="submit" disabled={add.isPending || checking}>
              <Plus className="size-4" aria-hidden />
              {add.isPending || checking ? "Blocking…" : "Block"}
            </Button>
            {added ? (
              <div className="min-w-0 flex-1">
                <Alert tone="success">{added} is blocked.</Alert>
              </div>
            ) : null}
          </div>
        </form>
      </Card>
      <ConfirmDialog
        open={impact !== null}
        title={`Block ${value.trim()}?`}
        confirmLabel="Block anyway"
        pending={add.isPending}
        error={impact && add.error ? add.error.message : null}
        onConfirm={() => void block(true).catch(() => undefined)}
        onClose={() => {
          setImpact(null);
          add.reset();
        }}
      >
        <p>This entry would drop mail you probably want:</p>
        <ul className="list-disc space-y-1 pl-5 text-slate-900" data-testid="block-impact">
          {(impact ?? []).map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      </ConfirmDialog>
    </section>
  );
}

type HistoryEvent = {
  key: string;
  action: "ADDED" | "REMOVED";
  kind: Kind;
  value: string;
  at: Date;
  by: { name: string } | null;
};

function HistorySection({
  history,
}: {
  history: { data?: HistoryEvent[] | undefined; isPending: boolean; isError: boolean; error: { message: string } | null };
}) {
  return (
    <section aria-label="History" className="mt-8">
      <Card>
        <CardHeader title="History" description="The latest adds and removals, and who made them." />
        <div className="px-5 py-4">
          {history.isError ? <Alert>Could not load the history: {history.error?.message}</Alert> : null}
          {history.isPending ? <p className="text-sm text-slate-500">Loading…</p> : null}
          {history.data && history.data.length === 0 ? (
            <p className="flex items-center gap-2 text-sm text-slate-500">
              <History className="size-4 text-slate-300" aria-hidden />
              Nothing has been blocked or unblocked yet.
            </p>
          ) : null}
          {history.data && history.data.length > 0 ? (
            <ol className="divide-y divide-slate-100 text-sm" data-testid="blocklist-history">
              {history.data.map((event) => (
                <li key={event.key} className="flex flex-wrap items-center gap-x-2 gap-y-1 py-2.5">
                  <Badge tone={event.action === "ADDED" ? "red" : "green"}>{event.action === "ADDED" ? "Blocked" : "Unblocked"}</Badge>
                  <span className="font-mono text-slate-900">{event.value}</span>
                  <span className="text-slate-500">
                    by {event.by?.name ?? "someone no longer here"} · {when(event.at)}
                  </span>
                </li>
              ))}
            </ol>
          ) : null}
        </div>
      </Card>
    </section>
  );
}

function ListSkeleton() {
  return (
    <Card className="divide-y divide-slate-100" aria-busy>
      <span className="sr-only">Loading the blocklist…</span>
      {[0, 1, 2].map((i) => (
        <div key={i} className="flex animate-pulse items-center gap-6 px-5 py-4">
          <div className="h-3.5 w-40 rounded bg-slate-200" />
          <div className="h-3.5 w-56 rounded bg-slate-100" />
        </div>
      ))}
    </Card>
  );
}
