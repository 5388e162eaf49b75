"use client";
import Link from "next/link";
import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { ShieldAlert } from "lucide-react";
import { useDeferredValue, useState } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { formErrorsOf } from "../ui/form-errors";
import { formatDate } from "../ui/format-date";
import { PageHeader } from "../ui/page-header";
import { SearchField } from "../ui/search-field";
import { useTRPC } from "../trpc/client";
import { ScanBadge } from "./scan-badge";
import { SpamSettingsCard } from "./spam-settings-card";

type Notice = { text: string; ticket?: { id: string; number: number } | undefined };
type Pending = { id: string; action: "release" | "delete" | "sender" | "domain" } | null;

function learnedWords(learned: string): string {
  if (learned === "learned") return " rspamd learned from it.";
  if (learned === "rspamd unavailable") return " rspamd could not be reached, so it did not learn from it.";
  return "";
}

/** R-SPAM-2: messages the scanners held back, with Release, Delete and Block sender / domain. */
export function SpamQueueScreen({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const deferred = useDeferredValue(search.trim());
  const list = useInfiniteQuery({
    ...trpc.spamQueue.list.infiniteQueryOptions(deferred ? { search: deferred } : {}, { getNextPageParam: (page) => page.nextCursor ?? undefined }),
    placeholderData: keepPreviousData,
  });
  const [notice, setNotice] = useState<Notice | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [confirmBlock, setConfirmBlock] = useState<{ id: string; what: "sender" | "domain"; message: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.spamQueue.list.pathKey() });

  const release = useMutation(trpc.spamQueue.release.mutationOptions());
  const remove = useMutation(trpc.spamQueue.delete.mutationOptions());
  const block = useMutation(trpc.spamQueue.block.mutationOptions());
  const error = formErrorsOf(release.error ?? remove.error ?? (confirmBlock ? null : block.error), []).form;

  async function run(id: string, action: NonNullable<Pending>["action"], confirmed = false) {
    setPending({ id, action });
    setNotice(null);
    release.reset();
    remove.reset();
    block.reset();
    try {
      if (action === "release") {
        const r = await release.mutateAsync({ id });
        const ticket = r.ticketId && r.ticketNumber ? { id: r.ticketId, number: r.ticketNumber } : undefined;
        const text =
          r.outcome === "DELIVERED"
            ? `Released: ${r.reason ?? "delivered"}.${learnedWords(r.learned)}`
            : `Released, and routed as new mail: ${(r.outcome ?? "no recipient").toLowerCase()} (${r.reason ?? "no reason"}).${learnedWords(r.learned)}`;
        setNotice({ text, ticket });
      } else if (action === "delete") {
        await remove.mutateAsync({ id });
        setNotice({ text: "Deleted." });
      } else {
        try {
          const r = await block.mutateAsync({ id, what: action, confirmed });
          setConfirmBlock(null);
          setNotice({ text: `Blocked ${r.value}: its mail is dropped from now on.${learnedWords(r.learned)}` });
        } catch (err) {
          const message = formErrorsOf(err, []).form ?? "";
          if (!confirmed && /^Confirm/.test(message)) setConfirmBlock({ id, what: action, message });
          else throw err;
        }
      }
      await refresh();
    } catch {
      // Shown from the mutation's error below.
    } finally {
      setPending(null);
    }
  }

  const busy = (id: string, action: NonNullable<Pending>["action"]) => pending?.id === id && pending.action === action;
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const total = list.data?.pages[0]?.total ?? 0;

  return (
    <div>
      <PageHeader
        title="Spam queue"
        description="Mail rspamd scored as spam or ClamAV found malware in. It made no ticket, no acknowledgement and no notification. Release routes a message as if it had just arrived; blocking adds the sender to the blocklist. Both teach this tenant's spam filter."
      />
      {notice ? (
        <div className="mb-4">
          <Alert tone="success">
            {notice.text}{" "}
            {notice.ticket ? (
              <Link className="font-medium underline" href={`/tickets/${notice.ticket.id}`}>
                Open ticket #{notice.ticket.number}
              </Link>
            ) : null}
          </Alert>
        </div>
      ) : null}
      {error ? (
        <div className="mb-4">
          <Alert>{error}</Alert>
        </div>
      ) : null}
      {confirmBlock ? (
        <div className="mb-4">
          <Alert tone="info">
            <p>{confirmBlock.message}</p>
            <div className="mt-2 flex gap-2">
              <Button size="sm" variant="danger" onClick={() => void run(confirmBlock.id, confirmBlock.what, true)}>
                Block anyway
              </Button>
              <Button size="sm" variant="secondary" onClick={() => setConfirmBlock(null)}>
                Cancel
              </Button>
            </div>
          </Alert>
        </div>
      ) : null}
      <SearchField className="mb-4 max-w-md" label="Search the Spam queue" placeholder="Search by sender or subject" value={search} onValueChange={setSearch} />
      <Card>
        {list.isPending ? (
          <p className="px-5 py-8 text-sm text-slate-500">Loading the Spam queue…</p>
        ) : list.isError ? (
          <div className="p-5">
            <Alert>The Spam queue could not be loaded: {list.error.message}</Alert>
          </div>
        ) : items.length === 0 && deferred ? (
          <p className="px-5 py-8 text-center text-sm text-slate-600">Nothing held matches “{deferred}”.</p>
        ) : items.length === 0 ? (
          <div className="flex flex-col items-center px-5 py-10 text-center">
            <ShieldAlert className="size-8 text-slate-300" aria-hidden />
            <p className="mt-2 text-sm font-medium text-slate-700">The Spam queue is empty.</p>
            <p className="mt-1 text-sm text-slate-500">Held messages appear here until released, deleted or past their retention.</p>
          </div>
        ) : (
          <ul className="divide-y divide-slate-200" aria-label="Held messages">
            {items.map((item) => (
              <li key={item.id} className="px-5 py-4" data-testid="spam-item">
                <div className="flex flex-wrap items-start justify-between gap-3">
                  <div className="min-w-0 flex-1">
                    <div className="flex flex-wrap items-center gap-2">
                      <span className="break-words font-medium text-slate-900">{item.subject || "(no subject)"}</span>
                      {item.scan ? <ScanBadge scan={item.scan} /> : null}
                    </div>
                    <p className="mt-1 break-all text-sm text-slate-600">
                      From {item.fromAddress || item.envelopeFrom || "<>"} · to {item.recipients.join(", ")} · {formatDate(item.createdAt, "shortDateTime")}
                      {item.ticketNumber ? ` · was ticket #${item.ticketNumber}` : ""}
                    </p>
                    <p className="mt-1 break-words text-xs text-slate-500">{item.reason}</p>
                  </div>
                  <div className="flex flex-wrap gap-2">
                    <Button size="sm" onClick={() => void run(item.id, "release")} disabled={!!pending}>
                      {busy(item.id, "release") ? "Releasing…" : "Release"}
                    </Button>
                    <Button size="sm" variant="secondary" onClick={() => void run(item.id, "sender")} disabled={!!pending}>
                      {busy(item.id, "sender") ? "Blocking…" : "Block sender"}
                    </Button>
                    <Button size="sm" variant="secondary" onClick={() => void run(item.id, "domain")} disabled={!!pending}>
                      {busy(item.id, "domain") ? "Blocking…" : "Block domain"}
                    </Button>
                    <Button size="sm" variant="danger" onClick={() => void run(item.id, "delete")} disabled={!!pending}>
                      {busy(item.id, "delete") ? "Deleting…" : "Delete"}
                    </Button>
                  </div>
                </div>
              </li>
            ))}
          </ul>
        )}
        {items.length > 0 ? (
          <div className="flex flex-wrap items-center justify-between gap-3 border-t border-slate-200 px-5 py-3">
            <p className="text-xs text-slate-500" data-testid="spam-count">
              {items.length === total ? `${total}` : `The newest ${items.length} of ${total}`}
              {deferred ? " matching" : ""} held {total === 1 ? "message" : "messages"}.
            </p>
            {list.hasNextPage ? (
              <Button size="sm" variant="secondary" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
                {list.isFetchingNextPage ? "Loading older…" : "Show older"}
              </Button>
            ) : null}
          </div>
        ) : null}
      </Card>
      {isAdmin ? <SpamSettingsCard /> : null}
    </div>
  );
}
