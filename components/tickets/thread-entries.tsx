"use client";
import { ArrowRight, GitMerge, Lock, UserRound, Building2, CircleDot } from "lucide-react";
import type { ReactNode } from "react";
import type { ThreadEvent, ThreadNote } from "@/server/tickets/get-ticket";
import { fullDate, Initials, RelativeDate, STATUS_LABEL, type TicketStatus } from "./ticket-bits";

/** An internal note in the thread (R-UX-3): amber, labelled, never mistaken for mail the client saw. */
export function NoteCard({ note }: { note: ThreadNote }) {
  const author = note.author?.name ?? "A former teammate";
  return (
    <article
      aria-label={`Internal note by ${author}`}
      data-testid="internal-note"
      className="rounded-xl bg-amber-50 ring-1 ring-amber-200"
    >
      <header className="flex items-start gap-3 px-5 pt-4">
        <Initials name={author} />
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-x-2 text-sm">
            <span className="font-medium text-slate-900">{author}</span>
            <span className="inline-flex items-center gap-1 rounded-md bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-amber-300 ring-inset">
              <Lock className="size-3" aria-hidden />
              Internal note
            </span>
          </div>
          <div className="text-xs text-amber-800/80">
            <time dateTime={new Date(note.createdAt).toISOString()}>{fullDate(note.createdAt)}</time> · only your team
            sees this
          </div>
        </div>
      </header>
      <p className="px-5 pt-2 pb-4 text-sm whitespace-pre-wrap text-slate-800 [overflow-wrap:anywhere]">{note.body}</p>
    </article>
  );
}

function shown(event: ThreadEvent, value: string | null): ReactNode {
  if (event.kind === "STATUS" && value) return STATUS_LABEL[value as TicketStatus] ?? value;
  if (value === null) return event.kind === "ASSIGNEE" ? "nobody" : "none";
  return value;
}

const ICON = {
  STATUS: CircleDot,
  ASSIGNEE: UserRound,
  CLIENT: Building2,
  MERGED_INTO: GitMerge,
  MERGED_FROM: GitMerge,
};

/** One change from the audit trail (R-UX-3): a single subtle line, who and when, from → to. */
export function EventLine({ event }: { event: ThreadEvent }) {
  const Icon = ICON[event.kind];
  const who = event.actor?.name ?? "The gateway";
  let what: ReactNode;
  if (event.kind === "MERGED_INTO")
    what = (
      <>
        merged this ticket into <b className="font-medium">{event.to}</b>
      </>
    );
  else if (event.kind === "MERGED_FROM")
    what = (
      <>
        merged <b className="font-medium">{event.to}</b> into this ticket
      </>
    );
  else {
    const label = event.kind === "STATUS" ? "status" : event.kind === "ASSIGNEE" ? "assignee" : "client";
    what = (
      <>
        changed the {label} from <b className="font-medium">{shown(event, event.from)}</b>
        <ArrowRight className="mx-1 inline size-3 align-[-1px]" aria-label="to" />
        <b className="font-medium">{shown(event, event.to)}</b>
      </>
    );
  }
  return (
    <p data-testid="ticket-event" className="flex items-center gap-2 px-2 text-xs text-slate-500">
      <Icon className="size-3.5 shrink-0 text-slate-400" aria-hidden />
      <span className="min-w-0">
        <span className="font-medium text-slate-600">{who}</span> {what}
      </span>
      <span aria-hidden className="text-slate-300">
        ·
      </span>
      <span className="shrink-0">
        <RelativeDate value={event.createdAt} />
      </span>
    </p>
  );
}
