"use client";
import Link from "next/link";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Building2, Globe, Inbox, ShieldBan, X } from "lucide-react";
import { useDeferredValue, useEffect, useRef, useState } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { PageHeader } from "../ui/page-header";
import { SearchField } from "../ui/search-field";
import { cn } from "../ui/cn";
import { useTRPC } from "../trpc/client";
import {
  AddDomainDialog,
  BlockDialog,
  SetClientDialog,
  describeAttribution,
  type AttributeResult,
  type FollowUp,
  type QueueTicket,
} from "./action-dialogs";
import { formatDate } from "../ui/format-date";
import { DomainFilter } from "./domain-filter";


type Open =
  | { kind: "set-client"; tickets: QueueTicket[] }
  | { kind: "add-domain"; ticket: QueueTicket }
  | { kind: "block"; tickets: QueueTicket[] }
  | null;

type Notice = {
  message: string;
  /** "Open ticket #n" after attributing one ticket: the agent usually continues there. */
  ticket?: { id: string; number: number } | undefined;
  followUp?: { followUp: FollowUp; client: { id: string; name: string } } | undefined;
};

function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** R-UNA-1: the tickets with no client, and the actions that attribute them or block their senders. */
export function UnattributedScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const deferred = useDeferredValue(search.trim());
  const [domain, setDomain] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [open, setOpen] = useState<Open>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const noticeRef = useRef<HTMLDivElement>(null);

  const list = useInfiniteQuery({
    ...trpc.unattributed.list.infiniteQueryOptions({ search: deferred, domain }, { getNextPageParam: (last) => last.nextCursor }),
    placeholderData: (prev) => prev,
  });
  const byDomain = useQuery(trpc.unattributed.byDomain.queryOptions());
  const attributeFrom = useMutation(trpc.unattributed.attributeFrom.mutationOptions());

  const tickets = list.data?.pages.flatMap((p) => p.tickets) ?? [];
  const total = list.data?.pages[0]?.total ?? 0;
  const selectedTickets = tickets.filter((t) => selected.has(t.id));
  const allChecked = tickets.length > 0 && selectedTickets.length === tickets.length;
  const filtered = Boolean(deferred || domain);

  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);

  async function refresh() {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.unattributed.list.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.unattributed.byDomain.queryKey() }),
    ]);
  }

  function attributed(result: AttributeResult, message?: string) {
    setOpen(null);
    setSelected(new Set());
    setNotice({
      message: message ? `${message} ${describeAttribution(result)}` : describeAttribution(result),
      ticket: result.attributed.length + result.alreadyAttributed.length === 1 ? (result.attributed[0] ?? result.alreadyAttributed[0]) : undefined,
      followUp: result.followUp ? { followUp: result.followUp, client: result.client } : undefined,
    });
    void refresh();
  }

  async function acceptFollowUp(f: NonNullable<Notice["followUp"]>) {
    const result = await attributeFrom.mutateAsync({ clientId: f.client.id, scope: f.followUp.scope, value: f.followUp.value });
    setNotice({
      message:
        result.attributed.length > 0
          ? `${plural(result.attributed.length, "more ticket")} from ${f.followUp.value} ${result.attributed.length === 1 ? "is" : "are"} now attributed to “${f.client.name}”.`
          : `No more tickets from ${f.followUp.value} were waiting.`,
    });
    await refresh();
  }

  return (
    <>
      <PageHeader
        title="Unattributed"
        description="Tickets from senders that match no contact and no client domain. Give them a client (the sender's next mail follows), add the sender's domain to a client, or block the sender."
      />

      {notice ? (
        <div ref={noticeRef} tabIndex={-1} className="mb-4 space-y-2 outline-none" data-testid="unattributed-notice">
          <Alert tone="success">
            <div className="flex flex-wrap items-start justify-between gap-3">
              <span>
                {notice.message}
                {notice.ticket ? (
                  <>
                    {" "}
                    <Link href={`/tickets/${notice.ticket.id}`} className="font-medium underline">
                      Open ticket #{notice.ticket.number}
                    </Link>
                  </>
                ) : null}
              </span>
              {!notice.followUp ? (
                <button type="button" onClick={() => setNotice(null)} className="rounded p-0.5 text-emerald-700 hover:bg-emerald-100" aria-label="Dismiss">
                  <X className="size-4" aria-hidden />
                </button>
              ) : null}
            </div>
          </Alert>
          {notice.followUp ? (
            <div
              role="group"
              aria-label="Attribute the others"
              className="flex flex-wrap items-center justify-between gap-3 rounded-md bg-indigo-50 px-3 py-2.5 text-sm text-indigo-900 ring-1 ring-indigo-200 ring-inset"
            >
              <span>
                {plural(notice.followUp.followUp.count, "more ticket")} from{" "}
                <strong className="font-semibold">{notice.followUp.followUp.value}</strong> — attribute{" "}
                {notice.followUp.followUp.count === 1 ? "it" : "them"} to “{notice.followUp.client.name}” too?
              </span>
              <span className="flex gap-2">
                <Button size="sm" disabled={attributeFrom.isPending} onClick={() => void acceptFollowUp(notice.followUp!).catch(() => undefined)}>
                  {attributeFrom.isPending ? "Attributing…" : `Attribute ${notice.followUp.followUp.count === 1 ? "it" : "them"}`}
                </Button>
                <Button size="sm" variant="secondary" onClick={() => setNotice({ ...notice, followUp: undefined })}>
                  Not now
                </Button>
              </span>
              {attributeFrom.error ? <Alert>{attributeFrom.error.message}</Alert> : null}
            </div>
          ) : null}
        </div>
      ) : null}

      <div className="mb-4 flex flex-wrap items-center gap-3">
        <SearchField
          className="w-full max-w-sm"
          label="Search the queue"
          placeholder="Search by subject, sender or #number"
          value={search}
          onValueChange={(value) => {
            setSearch(value);
            setSelected(new Set());
          }}
        />
        <DomainFilter
          domains={byDomain.data ?? []}
          domain={domain}
          onChange={(d) => {
            setDomain(d);
            setSelected(new Set());
          }}
        />
      </div>

      {selectedTickets.length > 0 ? (
        <div
          role="toolbar"
          aria-label="Bulk actions"
          className="sticky top-0 z-10 mb-3 flex flex-wrap items-center gap-2 rounded-lg bg-slate-900 px-4 py-2.5 text-sm text-white shadow-lg"
        >
          <span className="mr-2 font-medium">{plural(selectedTickets.length, "ticket")} selected</span>
          <Button size="sm" variant="secondary" onClick={() => setOpen({ kind: "set-client", tickets: selectedTickets })}>
            <Building2 className="size-3.5" aria-hidden />
            Set client…
          </Button>
          <Button size="sm" variant="secondary" onClick={() => setOpen({ kind: "block", tickets: selectedTickets })}>
            <ShieldBan className="size-3.5" aria-hidden />
            Block…
          </Button>
          <button
            type="button"
            className="ml-auto rounded-md px-2.5 py-1.5 text-xs font-medium text-slate-200 hover:bg-slate-800 hover:text-white"
            onClick={() => setSelected(new Set())}
          >
            Clear selection
          </button>
        </div>
      ) : null}

      {list.isError ? <Alert>Could not load the queue: {list.error.message}</Alert> : null}
      {list.isPending ? <QueueSkeleton /> : null}
      {list.data && tickets.length === 0 ? (
        filtered ? (
          <Card className="px-6 py-12 text-center">
            <p className="text-sm text-slate-600">
              No unattributed tickets match {deferred ? `“${deferred}”` : ""}
              {deferred && domain ? " from " : ""}
              {domain ? `${deferred ? "" : "senders at "}${domain}` : ""}.
            </p>
          </Card>
        ) : (
          <Card className="px-6 py-14 text-center">
            <Inbox className="mx-auto size-10 text-slate-300" aria-hidden />
            <h2 className="mt-3 text-sm font-semibold text-slate-900">Nothing to triage</h2>
            <p className="mx-auto mt-1 max-w-sm text-sm text-slate-500">
              Every ticket has a client. Mail from a sender who matches no contact and no client domain will wait here.
            </p>
          </Card>
        )
      ) : null}
      {tickets.length > 0 ? (
        <Card className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Unattributed tickets">
            <thead className="bg-slate-50">
              <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
                <th scope="col" className="w-10 py-3 pl-5">
                  <input
                    type="checkbox"
                    aria-label="Select all shown tickets"
                    checked={allChecked}
                    ref={(el) => {
                      if (el) el.indeterminate = selectedTickets.length > 0 && !allChecked;
                    }}
                    onChange={() => setSelected(allChecked ? new Set() : new Set(tickets.map((t) => t.id)))}
                    className="size-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-500"
                  />
                </th>
                <th scope="col" className="px-4 py-3">Ticket</th>
                <th scope="col" className="px-4 py-3">Sender</th>
                <th scope="col" className="px-4 py-3">Received</th>
                <th scope="col" className="py-3 pr-4 pl-2 text-right">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {tickets.map((t) => {
                const checked = selected.has(t.id);
                return (
                  <tr key={t.id} className={cn("align-top", checked ? "bg-indigo-50/60" : "hover:bg-slate-50")} data-testid="unattributed-row">
                    <td className="py-3.5 pl-5">
                      <input
                        type="checkbox"
                        aria-label={`Select ticket #${t.number}`}
                        checked={checked}
                        onChange={() =>
                          setSelected((prev) => {
                            const next = new Set(prev);
                            if (next.has(t.id)) next.delete(t.id);
                            else next.add(t.id);
                            return next;
                          })
                        }
                        className="size-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-500"
                      />
                    </td>
                    <td className="max-w-[16rem] px-4 py-3.5">
                      <Link href={`/tickets/${t.id}`} className="group block">
                        <span className="text-xs text-slate-500 tabular-nums">#{t.number}</span>
                        <span className="block truncate font-medium text-slate-900 group-hover:text-indigo-600">{t.subject}</span>
                      </Link>
                      {t.status !== "OPEN" ? <Badge className="mt-1">{t.status === "PENDING" ? "Pending" : t.status}</Badge> : null}
                    </td>
                    <td className="px-4 py-3.5">
                      {t.sender ? (
                        <>
                          {t.sender.name ? <div className="max-w-[15rem] truncate text-slate-900">{t.sender.name}</div> : null}
                          <div className="max-w-[15rem] truncate text-slate-600" title={t.sender.email}>
                            {t.sender.email}
                          </div>
                          <div className="mt-1 flex items-center gap-1.5">
                            <Globe className="size-3.5 text-slate-400" aria-hidden />
                            <span className="max-w-[11rem] truncate text-xs text-slate-500" title={t.senderDomain ?? undefined}>
                              {t.senderDomain}
                            </span>
                            {t.senderDomainIsFreeMail ? <Badge tone="amber">Free mail</Badge> : null}
                          </div>
                        </>
                      ) : (
                        <span className="text-slate-400">No sender address</span>
                      )}
                    </td>
                    <td className="px-4 py-3.5 whitespace-nowrap text-slate-600">
                      <time dateTime={new Date(t.receivedAt).toISOString()} title={formatDate(t.receivedAt, "longDateTime")}>
                        {formatDate(t.receivedAt, "shortDateTime")}
                      </time>
                      <div className="mt-0.5 text-xs text-slate-500" data-testid="message-count">
                        {plural(t.messageCount, "message")}
                      </div>
                    </td>
                    <td className="py-3.5 pr-4 pl-2 whitespace-nowrap">
                      <div className="flex justify-end gap-1.5">
                        <Button size="sm" variant="secondary" aria-label={`Set client of ticket #${t.number}`} onClick={() => setOpen({ kind: "set-client", tickets: [t] })}>
                          Set client
                        </Button>
                        {t.sender && t.senderDomainClient ? (
                          <span className="self-center text-xs text-slate-500" data-testid="domain-owner">
                            {t.senderDomain} belongs to {t.senderDomainClient.name}
                          </span>
                        ) : t.sender ? (
                          <Button
                            size="sm"
                            variant="secondary"
                            aria-label={t.senderDomainIsFreeMail ? `Add ${t.sender.email} as a contact` : `Add ${t.senderDomain} to a client`}
                            title={t.senderDomainIsFreeMail ? `${t.senderDomain} is free mail: the sender becomes a contact instead` : undefined}
                            onClick={() => setOpen({ kind: "add-domain", ticket: t })}
                          >
                            {t.senderDomainIsFreeMail ? "Add contact" : "Add domain"}
                          </Button>
                        ) : null}
                        {t.sender ? (
                          <Button
                            size="sm"
                            variant="ghost"
                            aria-label={`Block the sender of ticket #${t.number}`}
                            title="Block the sender or the domain"
                            onClick={() => setOpen({ kind: "block", tickets: [t] })}
                          >
                            <ShieldBan className="size-4" aria-hidden />
                          </Button>
                        ) : null}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="flex items-center justify-between gap-3 border-t border-slate-200 bg-slate-50 px-5 py-2.5 text-xs text-slate-500">
            <span>
              Showing {tickets.length} of {plural(total, "ticket")}
              {filtered ? " matching" : " waiting"}
            </span>
            {list.hasNextPage ? (
              <Button size="sm" variant="secondary" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                {list.isFetchingNextPage ? "Loading…" : "Show more"}
              </Button>
            ) : null}
          </div>
        </Card>
      ) : null}

      {open?.kind === "set-client" ? (
        <SetClientDialog tickets={open.tickets} onClose={() => setOpen(null)} onDone={(r) => attributed(r)} />
      ) : null}
      {open?.kind === "add-domain" ? (
        <AddDomainDialog ticket={open.ticket} onClose={() => setOpen(null)} onDone={(r) => attributed(r, r.message)} />
      ) : null}
      {open?.kind === "block" ? (
        <BlockDialog
          tickets={open.tickets}
          onClose={() => setOpen(null)}
          onDone={(r) => {
            setOpen(null);
            setSelected(new Set());
            setNotice({ message: r.message });
            void refresh();
          }}
        />
      ) : null}
    </>
  );
}

function QueueSkeleton() {
  return (
    <Card className="divide-y divide-slate-100" aria-busy>
      <span className="sr-only">Loading the queue…</span>
      {[0, 1, 2, 3].map((i) => (
        <div key={i} className="flex animate-pulse items-center gap-6 px-5 py-4">
          <div className="size-4 rounded bg-slate-200" />
          <div className="space-y-2">
            <div className="h-3 w-10 rounded bg-slate-100" />
            <div className="h-3.5 w-56 rounded bg-slate-200" />
          </div>
          <div className="h-3.5 w-44 rounded bg-slate-100" />
          <div className="ml-auto h-7 w-48 rounded bg-slate-100" />
        </div>
      ))}
    </Card>
  );
}
