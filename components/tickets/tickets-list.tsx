"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Inbox, MessagesSquare, Search, X } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { createFilterNavigator, readFilters, readKind, TABS, type Filters } from "./list-filters";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { cn } from "../ui/cn";
import { controlClass } from "../ui/field";
import { PageHeader } from "../ui/page-header";
import { useTRPC } from "../trpc/client";
import { RelativeDate, STATUS_LABEL } from "./ticket-bits";

const UNATTRIBUTED = "unattributed";
const UNASSIGNED = "unassigned";
/** Typing waits this long before the search goes into the URL and runs. */
const TYPING_MS = 300;

/** One client's tickets (R-UX-3, the client page): the client filter is fixed, the requesters are its contacts. */
export type TicketsListScope = {
  clientId: string;
  requesters: { id: string; email: string; name: string | null }[];
};

/**
 * R-TKT-1: the tickets of one status, filtered by client, requester, assignee and words from their mail (best
 * match first, with the matching passage). Every filter lives in the URL, so a filtered list can be bookmarked,
 * reloaded and shared, and Back and Forward step through filter changes.
 */
export function TicketsList({ mailbox, scope }: { mailbox: string; scope?: TicketsListScope }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const filters = readFilters(new URLSearchParams(params.toString()));
  const { status, requester: requesterId, assignee: assigneeId, automated } = filters;
  const clientId = scope?.clientId ?? filters.client;
  // The box follows the URL (Back, Forward, a bookmark) and the URL follows the box once typing pauses.
  const [search, setSearch] = useState(filters.q);
  const [typedFor, setTypedFor] = useState(filters.q);
  if (typedFor !== filters.q) {
    setTypedFor(filters.q);
    setSearch(filters.q);
  }
  // Each change builds on the newest filters, even while the previous change is still on its way to the URL.
  const [navigator] = useState(() => createFilterNavigator(() => window.location.search));
  useEffect(() => navigator.arrived(), [navigator, params]);
  useEffect(() => {
    const onPop = () => navigator.reset();
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, [navigator]);
  const navigate = (next: Partial<Filters>, mode: "push" | "replace" = "push") => {
    const url = `${pathname}${navigator.next(next)}`;
    if (mode === "push") router.push(url, { scroll: false });
    else router.replace(url, { scroll: false });
  };
  useEffect(() => {
    const q = search.trim();
    if (q === filters.q) return;
    const timer = setTimeout(() => {
      // The first word typed is a step Back can undo; refining it is not.
      navigate({ q }, navigator.current().q ? "replace" : "push");
    }, TYPING_MS);
    return () => clearTimeout(timer);
    // Runs again when the URL changes (Back, Forward, another filter), as `filters.q` comes from it.
  }, [search, params]);
  const options = useQuery({ ...trpc.tickets.filterOptions.queryOptions(), enabled: !scope });
  const requesters = scope?.requesters ?? options.data?.requesters;
  const assignees = useQuery(trpc.tickets.assignees.queryOptions());
  const input = {
    status,
    search: filters.q,
    limit: 25,
    ...(clientId ? { clientId } : {}),
    ...(requesterId ? { requesterId } : {}),
    ...(assigneeId ? { assigneeId } : {}),
    ...(automated ? { automated } : {}),
  };
  const list = useInfiniteQuery({
    ...trpc.tickets.list.infiniteQueryOptions(input, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
    placeholderData: (prev) => prev,
  });
  const counts = list.data?.pages[0]?.counts;
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Boolean(filters.q || (scope ? "" : clientId) || requesterId || assigneeId || automated);

  return (
    <>
      {scope ? (
        <h2 className="mb-3 text-base font-semibold text-slate-900">Tickets</h2>
      ) : (
        <PageHeader
          title="Tickets"
          description={
            <>
              Every email to <span className="font-medium text-slate-700">{mailbox}</span>, threaded into tickets.
            </>
          }
        />
      )}

      <div role="tablist" aria-label="Ticket status" className="mb-4 flex gap-1 border-b border-slate-200">
        {TABS.map((s) => (
          <button
            key={s}
            role="tab"
            type="button"
            aria-selected={status === s}
            onClick={() => navigate({ status: s })}
            className={cn(
              "-mb-px flex items-center gap-2 border-b-2 px-3 py-2 text-sm font-medium",
              status === s
                ? "border-indigo-600 text-indigo-700"
                : "border-transparent text-slate-500 hover:border-slate-300 hover:text-slate-700",
            )}
          >
            {STATUS_LABEL[s]}
            <span
              data-testid={`count-${s}`}
              className={cn(
                "rounded-full px-2 py-0.5 text-xs tabular-nums",
                status === s ? "bg-indigo-50 text-indigo-700" : "bg-slate-100 text-slate-600",
              )}
            >
              {counts ? counts[s] : "…"}
            </span>
          </button>
        ))}
      </div>

      <div className="mb-4 flex flex-wrap items-center gap-3">
        <div className="relative w-full max-w-xs">
          <Search
            className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-slate-400"
            aria-hidden
          />
          <input
            type="search"
            aria-label="Search tickets"
            placeholder="Words, a name, an address or #number"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            className="block w-full rounded-md border-0 py-1.5 pr-3 pl-9 text-sm shadow-sm ring-1 ring-slate-300 ring-inset placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500 focus:outline-none"
          />
        </div>
        {scope ? null : (
        <FilterSelect
          label="Client"
          width="w-44"
          value={clientId}
          onChange={(client) => navigate({ client })}
          choices={[
            { value: "", label: "All clients" },
            { value: UNATTRIBUTED, label: "Unattributed" },
            ...(options.data?.clients.map((c) => ({ value: c.id, label: c.name })) ?? []),
          ]}
        />
        )}
        <FilterSelect
          label="Requester"
          width="w-56"
          value={requesterId}
          onChange={(requester) => navigate({ requester })}
          choices={[
            { value: "", label: "All requesters" },
            ...(requesters?.map((r) => ({ value: r.id, label: r.name ? `${r.name} (${r.email})` : r.email })) ?? []),
          ]}
        />
        <FilterSelect
          label="Assignee"
          width="w-44"
          value={assigneeId}
          onChange={(assignee) => navigate({ assignee })}
          choices={[
            { value: "", label: "Any assignee" },
            { value: UNASSIGNED, label: "Unassigned" },
            ...(assignees.data?.map((u) => ({ value: u.id, label: u.name })) ?? []),
          ]}
        />
        <FilterSelect
          label="Kind"
          width="w-44"
          value={automated}
          onChange={(kind) => navigate({ automated: readKind(kind) })}
          choices={[
            { value: "", label: "All mail" },
            { value: "only", label: "Automated" },
            { value: "exclude", label: "From people" },
          ]}
        />
        {filtered ? (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => {
              setSearch("");
              navigate({ client: "", requester: "", assignee: "", automated: "", q: "" });
            }}
          >
            <X className="size-3.5" aria-hidden />
            Clear filters
          </Button>
        ) : null}
      </div>

      {list.isError ? <Alert>Could not load the tickets: {list.error.message}</Alert> : null}
      {list.isPending ? <ListSkeleton /> : null}
      {list.data && items.length === 0 ? (
        <Card className="px-6 py-14 text-center">
          {filtered ? (
            <p className="text-sm text-slate-600">
              No {STATUS_LABEL[status].toLowerCase()} tickets match these filters.
            </p>
          ) : (
            <>
              <Inbox className="mx-auto size-10 text-slate-300" aria-hidden />
              <h2 className="mt-3 text-sm font-semibold text-slate-900">
                No {STATUS_LABEL[status].toLowerCase()} tickets
              </h2>
              <p className="mx-auto mt-1 max-w-sm text-sm text-slate-500">
                {status === "OPEN"
                  ? `Mail to ${mailbox} shows up here as new tickets.`
                  : "Tickets you move here will be listed."}
              </p>
            </>
          )}
        </Card>
      ) : null}
      {items.length > 0 ? (
        <Card className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Tickets">
            <thead className="bg-slate-50">
              <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
                <th scope="col" className="w-20 px-5 py-3">
                  #
                </th>
                <th scope="col" className="px-5 py-3">
                  Subject
                </th>
                <th scope="col" className="px-5 py-3">
                  Client
                </th>
                <th scope="col" className="px-5 py-3">
                  Assignee
                </th>
                <th scope="col" className="px-5 py-3 text-right">
                  Last activity
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((t) => (
                <tr key={t.id} className="group relative hover:bg-slate-50" data-testid="ticket-row">
                  <td className="px-5 py-3.5 align-top font-mono text-slate-500 tabular-nums">#{t.number}</td>
                  <td className="max-w-md px-5 py-3.5 align-top">
                    <Link
                      href={hitHref(t)}
                      className="font-medium text-slate-900 after:absolute after:inset-0 group-hover:text-indigo-700"
                    >
                      {t.subject || "(no subject)"}
                    </Link>
                    {t.snippet ? (
                      // Above the row's link overlay, so the passage itself opens the message it comes from.
                      <Link
                        href={hitHref(t)}
                        tabIndex={-1}
                        className="relative mt-1 line-clamp-2 block text-xs text-slate-600 hover:text-slate-900"
                        data-testid="ticket-snippet"
                      >
                        {t.snippet.segments.map((seg, i) =>
                          seg.hit ? (
                            <mark key={i} className="rounded-sm bg-amber-100 px-0.5 font-medium text-slate-900">
                              {seg.text}
                            </mark>
                          ) : (
                            <span key={i}>{seg.text}</span>
                          ),
                        )}
                      </Link>
                    ) : null}
                    <div className="mt-0.5 flex flex-wrap items-center gap-x-2 text-xs text-slate-500">
                      <span>{t.requester ? (t.requester.name ?? t.requester.email) : "Unknown sender"}</span>
                      <span aria-hidden>·</span>
                      <span className="inline-flex items-center gap-1">
                        <MessagesSquare className="size-3" aria-hidden />
                        {t.messageCount} {t.messageCount === 1 ? "message" : "messages"}
                      </span>
                      {t.automated ? (
                        <Badge tone="indigo" className="ml-1">
                          Automated
                        </Badge>
                      ) : null}
                      {t.mergedInto ? <Badge>Merged into #{t.mergedInto.number}</Badge> : null}
                    </div>
                  </td>
                  <td className="px-5 py-3.5 align-top text-slate-700">
                    {t.client ? t.client.name : <Badge tone="amber">Unattributed</Badge>}
                  </td>
                  <td className="px-5 py-3.5 align-top text-slate-700">
                    {t.assignee?.name ?? <span className="text-slate-400">Unassigned</span>}
                  </td>
                  <td className="px-5 py-3.5 text-right align-top whitespace-nowrap text-slate-600">
                    <RelativeDate value={t.lastActivityAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="flex items-center justify-between border-t border-slate-200 bg-slate-50 px-5 py-2.5 text-xs text-slate-500">
            <span>
              Showing {items.length} of {counts?.[status] ?? items.length} {STATUS_LABEL[status].toLowerCase()}{" "}
              {(counts?.[status] ?? items.length) === 1 ? "ticket" : "tickets"}
              {filters.q ? ", best match first" : ""}
              {list.data?.pages[0]?.capped ? " among the newest 1,000 matching messages (add a word to narrow the search)" : ""}
            </span>
            {list.hasNextPage ? (
              <Button
                variant="secondary"
                size="sm"
                disabled={list.isFetchingNextPage}
                onClick={() => void list.fetchNextPage()}
              >
                {list.isFetchingNextPage ? "Loading…" : "Load more"}
              </Button>
            ) : null}
          </div>
        </Card>
      ) : null}
    </>
  );
}

/** A ticket's page, at the message a search matched when there is one. */
function hitHref(t: { id: string; snippet: { messageId: string } | null }): string {
  return t.snippet ? `/tickets/${t.id}#message-${t.snippet.messageId}` : `/tickets/${t.id}`;
}

/** One of the list's filter menus; "" is its "all" choice. */
function FilterSelect(props: {
  label: string;
  width: string;
  value: string;
  onChange: (value: string) => void;
  choices: { value: string; label: string }[];
}) {
  return (
    <div className={props.width}>
      <select
        aria-label={props.label}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        className={cn(controlClass, "py-1.5 ring-slate-300 focus:ring-indigo-500")}
      >
        {props.choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function ListSkeleton() {
  return (
    <div aria-busy className="animate-pulse space-y-2 rounded-xl bg-white p-5 ring-1 ring-slate-200">
      <span className="sr-only">Loading tickets…</span>
      {Array.from({ length: 6 }, (_, i) => (
        <div key={i} className="h-9 rounded bg-slate-100" />
      ))}
    </div>
  );
}
