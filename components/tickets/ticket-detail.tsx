"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { GitMerge, UserPlus } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { cn } from "../ui/cn";
import { CopyButton } from "../ui/copy-button";
import { controlClass } from "../ui/field";
import { PageHeader } from "../ui/page-header";
import { useTRPC } from "../trpc/client";
import { MergeDialog } from "./merge-dialog";
import { MarkAsSpamButton } from "../spam/mark-as-spam-button";
import { MessageCard } from "./message-card";
import { NoteComposer } from "./note-composer";
import { EventLine, NoteCard } from "./thread-entries";
import { TicketClientSelect } from "./ticket-client-select";
import { ReplyComposer } from "./reply-composer";
import type { ThreadEvent, ThreadMessage, ThreadNote } from "@/server/tickets/get-ticket";
import { fullDate, StatusBadge, STATUS_LABEL, type TicketStatus } from "./ticket-bits";

const selectClass = cn(controlClass, "ring-slate-300 focus:ring-indigo-500 py-1.5");

const IN_FLIGHT_POLL_MS = 2_000;

/** R-TKT-1: one ticket, its thread, its people, status and assignment, merge, and the reply composer. */
export function TicketDetail({ ticketId }: { ticketId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ticket = useQuery({
    ...trpc.tickets.get.queryOptions({ id: ticketId }),
    // A reply on its way is watched until its state settles (R-OUT-4). A message being handed over is still
    // QUEUED: only its job is SENDING (messageStateOf).
    refetchInterval: (q) => (q.state.data?.messages.some((m) => m.deliveryState === "QUEUED") ? IN_FLIGHT_POLL_MS : false),
  });
  const assignees = useQuery(trpc.tickets.assignees.queryOptions());
  const setStatus = useMutation(trpc.tickets.setStatus.mutationOptions());
  const assign = useMutation(trpc.tickets.assign.mutationOptions());
  const [merging, setMerging] = useState(false);

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tickets.pathKey() });
  const breadcrumb = (
    <Link href="/tickets" className="hover:text-slate-700">
      ← Tickets
    </Link>
  );
  if (ticket.isPending) {
    return (
      <div aria-busy className="animate-pulse space-y-4">
        <span className="sr-only">Loading ticket…</span>
        <div className="h-7 w-full max-w-96 rounded bg-slate-200" />
        <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
          <div className="h-64 rounded-xl bg-white ring-1 ring-slate-200 lg:col-span-2" />
          <div className="h-64 rounded-xl bg-white ring-1 ring-slate-200" />
        </div>
      </div>
    );
  }
  if (ticket.isError) {
    return (
      <>
        <PageHeader title="Ticket" breadcrumb={breadcrumb} />
        <Alert>
          {ticket.error.data?.code === "NOT_FOUND"
            ? "This ticket does not exist."
            : `Could not load the ticket: ${ticket.error.message}`}
        </Alert>
      </>
    );
  }
  const t = ticket.data;
  const merged = t.mergedInto !== null;
  const actionError = setStatus.error ?? assign.error;

  return (
    <>
      <PageHeader
        breadcrumb={breadcrumb}
        title={`#${t.number} ${t.subject || "(no subject)"}`}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <StatusBadge status={t.status} />
            <span>{t.client ? t.client.name : <Badge tone="amber">Unattributed</Badge>}</span>
            <span aria-hidden>·</span>
            <span>
              {t.messages.length} {t.messages.length === 1 ? "message" : "messages"}
            </span>
            <span aria-hidden>·</span>
            <span>opened {fullDate(t.createdAt)}</span>
          </span>
        }
        actions={
          merged ? null : (
            <>
              <MarkAsSpamButton ticket={t} />
              <Button variant="secondary" onClick={() => setMerging(true)}>
                <GitMerge className="size-4" aria-hidden />
                Merge…
              </Button>
            </>
          )
        }
      />

      {t.mergedInto ? (
        <div className="mb-6">
          <Alert tone="info">
            This ticket was merged into{" "}
            <Link href={`/tickets/${t.mergedInto.id}`} className="font-medium text-indigo-700 underline">
              #{t.mergedInto.number} {t.mergedInto.subject}
            </Link>
            . Its messages and any new replies are there.
          </Alert>
        </div>
      ) : null}
      {actionError ? (
        <div className="mb-4">
          <Alert>{actionError.message}</Alert>
        </div>
      ) : null}

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="min-w-0 space-y-4 lg:col-span-2">
          {t.mergedFrom.length ? (
            <p className="text-xs text-slate-500">
              Merged here:{" "}
              {t.mergedFrom.map((m, i) => (
                <span key={m.id}>
                  {i ? ", " : ""}
                  <Link href={`/tickets/${m.id}`} className="text-indigo-700 hover:underline">
                    #{m.number} {m.subject}
                  </Link>
                </span>
              ))}
            </p>
          ) : null}
          {t.messages.length === 0 && t.notes.length === 0 ? (
            <Card className="px-6 py-10 text-center text-sm text-slate-500">
              {merged ? "The messages moved with the merge." : "No messages on this ticket."}
            </Card>
          ) : null}
          <section className="space-y-4" aria-label="Thread">
            {timeline(t).map((entry) =>
              entry.type === "message" ? (
                <MessageCard key={entry.item.id} message={entry.item} />
              ) : entry.type === "note" ? (
                <NoteCard key={entry.item.id} note={entry.item} />
              ) : (
                <EventLine key={entry.item.id} event={entry.item} />
              ),
            )}
          </section>
          {merged ? null : <ReplyComposer key={t.id} ticketId={t.id} defaults={t.replyDefaults} onSent={refresh} />}
          {merged ? null : <NoteComposer ticketId={t.id} onAdded={refresh} />}
        </div>

        <aside className="space-y-6">
          <Card>
            <CardHeader title="Ticket" />
            <dl className="space-y-4 px-5 py-4 text-sm">
              <div>
                <dt className="mb-1 text-xs font-medium text-slate-500">
                  <label htmlFor="ticket-status">Status</label>
                </dt>
                <dd>
                  <select
                    id="ticket-status"
                    className={selectClass}
                    value={t.status}
                    disabled={merged || setStatus.isPending}
                    onChange={(e) =>
                      setStatus.mutate(
                        { ticketId: t.id, status: e.target.value as TicketStatus },
                        { onSuccess: () => void refresh() },
                      )
                    }
                  >
                    {(["OPEN", "PENDING", "CLOSED"] as const).map((s) => (
                      <option key={s} value={s}>
                        {STATUS_LABEL[s]}
                      </option>
                    ))}
                  </select>
                </dd>
              </div>
              <div>
                <dt className="mb-1 text-xs font-medium text-slate-500">
                  <label htmlFor="ticket-assignee">Assignee</label>
                </dt>
                <dd>
                  <select
                    id="ticket-assignee"
                    className={selectClass}
                    value={t.assignee?.id ?? ""}
                    disabled={merged || assign.isPending}
                    onChange={(e) =>
                      assign.mutate(
                        { ticketId: t.id, assigneeId: e.target.value || null },
                        { onSuccess: () => void refresh() },
                      )
                    }
                  >
                    <option value="">Unassigned</option>
                    {t.assignee && !assignees.data?.some((a) => a.id === t.assignee?.id) ? (
                      <option value={t.assignee.id}>{t.assignee.name}</option>
                    ) : null}
                    {assignees.data?.map((a) => (
                      <option key={a.id} value={a.id}>
                        {a.name}
                      </option>
                    ))}
                  </select>
                </dd>
              </div>
              <div>
                <dt className="mb-1 text-xs font-medium text-slate-500">
                  <label htmlFor="ticket-client">Client</label>
                </dt>
                <dd>
                  <TicketClientSelect ticketId={t.id} client={t.client} disabled={merged} onChanged={refresh} />
                </dd>
              </div>
              <div>
                <dt className="text-xs font-medium text-slate-500">Reply address</dt>
                <dd className="mt-1 flex items-start gap-2">
                  <code className="min-w-0 flex-1 text-xs break-all text-slate-700" data-testid="reply-address">
                    {t.replyAddress}
                  </code>
                  <CopyButton value={t.replyAddress} />
                </dd>
              </div>
            </dl>
          </Card>
          <Participants ticket={t} onChanged={refresh} />
        </aside>
      </div>
      {merged ? null : <MergeDialog open={merging} onClose={() => setMerging(false)} ticket={t} />}
    </>
  );
}

type Entry =
  | { type: "message"; at: number; item: ThreadMessage }
  | { type: "note"; at: number; item: ThreadNote }
  | { type: "event"; at: number; item: ThreadEvent };

/** Messages, internal notes and audit events in one time order (R-UX-3); at the same instant, mail first. */
function timeline(t: { messages: ThreadMessage[]; notes: ThreadNote[]; events: ThreadEvent[] }): Entry[] {
  const order = { message: 0, note: 1, event: 2 };
  return [
    ...t.messages.map((item) => ({ type: "message" as const, at: new Date(item.sentAt).getTime(), item })),
    ...t.notes.map((item) => ({ type: "note" as const, at: new Date(item.createdAt).getTime(), item })),
    ...t.events.map((item) => ({ type: "event" as const, at: new Date(item.createdAt).getTime(), item })),
  ].sort((a, b) => a.at - b.at || order[a.type] - order[b.type]);
}

type ParticipantView = {
  address: string;
  name: string | null;
  role: "requester" | "cc";
  contact: { id: string; clientId: string | null; clientName: string | null } | null;
};

function Participants({
  ticket,
  onChanged,
}: {
  ticket: {
    id: string;
    client: { id: string; name: string } | null;
    participants: ParticipantView[];
    requester: { emailFailing: boolean; lastBounceReason: string | null; email: string } | null;
  };
  onChanged: () => Promise<void>;
}) {
  const trpc = useTRPC();
  const add = useMutation(trpc.tickets.addParticipantContact.mutationOptions());
  const [adding, setAdding] = useState<string | null>(null);
  return (
    <Card>
      <CardHeader
        title={`People (${ticket.participants.length})`}
        description="The requester and everyone copied on the thread."
      />
      {add.error ? (
        <div className="px-5 pt-3">
          <Alert>{add.error.message}</Alert>
        </div>
      ) : null}
      <ul className="divide-y divide-slate-100" aria-label="Participants">
        {ticket.participants.map((p) => (
          <li key={p.address} className="px-5 py-3 text-sm" data-testid="participant">
            <div className="flex items-start justify-between gap-2">
              <div className="min-w-0">
                <div className="truncate font-medium text-slate-900">{p.name ?? p.address}</div>
                {p.name ? <div className="truncate text-xs text-slate-500">{p.address}</div> : null}
                <div className="mt-1 flex flex-wrap gap-1">
                  {p.role === "requester" ? <Badge tone="indigo">Requester</Badge> : <Badge>Cc</Badge>}
                  {p.contact?.clientName ? (
                    <Badge tone="green">Contact of {p.contact.clientName}</Badge>
                  ) : (
                    <Badge tone="amber">Not a contact</Badge>
                  )}
                  {p.role === "requester" && ticket.requester?.emailFailing ? (
                    <span title={ticket.requester.lastBounceReason ?? undefined}>
                      <Badge tone="red">Address bouncing</Badge>
                    </span>
                  ) : null}
                </div>
              </div>
              {ticket.client && !p.contact?.clientId ? (
                <Button
                  size="sm"
                  variant="secondary"
                  aria-label={`Add ${p.address} as a contact of ${ticket.client.name}`}
                  disabled={add.isPending}
                  onClick={() => {
                    setAdding(p.address);
                    add.mutate(
                      { ticketId: ticket.id, email: p.address },
                      { onSuccess: () => void onChanged(), onSettled: () => setAdding(null) },
                    );
                  }}
                >
                  <UserPlus className="size-3.5" aria-hidden />
                  {adding === p.address ? "Adding…" : "Add contact"}
                </Button>
              ) : null}
            </div>
          </li>
        ))}
        {ticket.participants.length === 0 ? (
          <li className="px-5 py-4 text-sm text-slate-500">Nobody outside your team.</li>
        ) : null}
      </ul>
    </Card>
  );
}
