"use client";
import { useQuery } from "@tanstack/react-query";
import { ArrowDownLeft, ArrowUpRight, X } from "lucide-react";
import Link from "next/link";
import { useEffect, useRef, type ReactNode } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { useTRPC } from "../trpc/client";
import { formatWhen, OUTCOME_LABEL, OUTCOME_TONE } from "./outcome";

const VERDICT_TONE: Record<string, "green" | "red" | "amber" | "slate"> = {
  pass: "green",
  fail: "red",
  softfail: "amber",
  temperror: "amber",
  permerror: "red",
};

/** R-ACT-2: everything about one message, in a panel on the right (a modal <dialog>: Esc closes, focus returns). */
export function ActivityDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const trpc = useTRPC();
  const entry = useQuery(trpc.activity.get.queryOptions({ id }));
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const e = entry.data;

  return (
    <dialog
      ref={ref}
      aria-labelledby="activity-detail-title"
      onCancel={(ev) => {
        ev.preventDefault();
        onClose();
      }}
      onClick={(ev) => {
        if (ev.target === ref.current) onClose();
      }}
      className="fixed inset-y-0 right-0 left-auto m-0 h-full max-h-none w-full max-w-2xl bg-white p-0 shadow-2xl ring-1 ring-slate-900/10 backdrop:bg-slate-900/30"
    >
      <div className="flex h-full flex-col">
        <div className="flex items-start justify-between gap-4 border-b border-slate-200 px-6 py-4">
          <div className="min-w-0">
            <h2 id="activity-detail-title" className="text-base font-semibold text-slate-900">
              Message detail
            </h2>
            <p className="mt-0.5 truncate text-sm text-slate-500">{e ? e.subject || "(no subject)" : "Loading…"}</p>
          </div>
          <button type="button" onClick={onClose} className="rounded-md p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-600" aria-label="Close">
            <X className="size-5" aria-hidden />
          </button>
        </div>
        <div className="flex-1 overflow-y-auto px-6 py-5 text-sm">
          {entry.isError ? <Alert>Could not load this message: {entry.error.message}</Alert> : null}
          {entry.isPending ? (
            <div className="animate-pulse space-y-3" aria-busy>
              <span className="sr-only">Loading the message…</span>
              {[0, 1, 2, 3, 4].map((i) => (
                <div key={i} className="h-4 rounded bg-slate-100" style={{ width: `${90 - i * 12}%` }} />
              ))}
            </div>
          ) : null}
          {e ? (
            <div className="space-y-6" data-testid="activity-detail">
              <div className="flex flex-wrap items-center gap-2">
                <Badge tone={OUTCOME_TONE[e.outcome]}>{OUTCOME_LABEL[e.outcome]}</Badge>
                <span className="inline-flex items-center gap-1 text-slate-600">
                  {e.direction === "INBOUND" ? <ArrowDownLeft className="size-4" aria-hidden /> : <ArrowUpRight className="size-4" aria-hidden />}
                  {e.direction === "INBOUND" ? "Inbound" : "Outbound"}
                </span>
                <span className="text-slate-500">· {formatWhen(e.createdAt)}</span>
              </div>

              {e.reason ? (
                <Section title={e.outcome === "DROPPED" ? "Why it was dropped" : "What happened"}>
                  <p className="text-slate-900" data-testid="activity-detail-reason">
                    {e.reason}
                  </p>
                  {e.blocklistEntry ? (
                    <p className="mt-1 text-slate-600" data-testid="activity-detail-blocklist">
                      Blocklist entry:{" "}
                      <Link href="/settings/email-gateway/blocklist" className="font-mono text-indigo-600 hover:underline">
                        {e.blocklistEntry.value}
                      </Link>{" "}
                      ({e.blocklistEntry.kind.toLowerCase()}
                      {e.blocklistEntry.removedAt ? `, unblocked ${formatWhen(e.blocklistEntry.removedAt)}` : ", still active"})
                    </p>
                  ) : null}
                  {e.alertRule ? (
                    <p className="mt-1 text-slate-600" data-testid="activity-detail-alert-rule">
                      Alert rule:{" "}
                      <Link href="/settings/email-gateway/alert-rules" className="text-indigo-600 hover:underline">
                        {e.alertRule.name}
                      </Link>
                    </p>
                  ) : null}
                </Section>
              ) : null}

              {e.decisions.length ? (
                <Section title="How it was decided">
                  <ol className="list-decimal space-y-1 pl-5 text-slate-700" data-testid="activity-detail-decisions">
                    {e.decisions.map((d, i) => (
                      <li key={i} className="break-words">
                        {d}
                      </li>
                    ))}
                  </ol>
                </Section>
              ) : null}

              <Section title="Ticket">
                {e.ticket ? (
                  <Link href={`/tickets/${e.ticket.id}`} className="font-medium text-indigo-600 hover:underline" data-testid="activity-detail-ticket">
                    #{e.ticket.number} {e.ticket.subject}
                  </Link>
                ) : (
                  <span className="text-slate-500">{e.ticketId ? "The ticket no longer exists." : "No ticket."}</span>
                )}
              </Section>

              <Section title="Authentication">
                <dl className="grid grid-cols-4 gap-2" aria-label="Verdicts">
                  {(["spf", "dkim", "dmarc", "arc"] as const).map((k) => (
                    <div key={k} className="rounded-md bg-slate-50 px-3 py-2 ring-1 ring-inset ring-slate-200">
                      <dt className="text-xs font-medium text-slate-500 uppercase">{k}</dt>
                      <dd className="mt-1">
                        {e[k] ? <Badge tone={VERDICT_TONE[e[k]] ?? "slate"}>{e[k]}</Badge> : <span className="text-slate-400">—</span>}
                      </dd>
                    </div>
                  ))}
                </dl>
              </Section>

              <Section title="Envelope and addresses">
                <Pairs
                  rows={[
                    ["From (header)", e.fromAddress],
                    ["To (header)", e.toAddress],
                    ["MAIL FROM", e.envelopeFrom],
                    ["RCPT TO", e.envelopeTo],
                    ["Message-Id", e.messageIdHeader],
                    ["Remote IP", e.remoteIp],
                    ["Processing time", e.processingMs === null ? null : `${e.processingMs} ms`],
                  ]}
                />
              </Section>

              {e.remoteReply || e.bounceDetail || e.nextAttemptAt ? (
                <Section title="Delivery">
                  <Pairs
                    rows={[
                      ["Remote reply", e.remoteReply],
                      ["Bounce detail", e.bounceDetail],
                      ["Next attempt", e.nextAttemptAt ? formatWhen(e.nextAttemptAt) : null],
                    ]}
                  />
                </Section>
              ) : null}

              <Section title={`Headers${e.headers.length ? ` (${e.headers.length})` : ""}`}>
                {e.headers.length ? (
                  <pre
                    className="max-h-96 overflow-auto rounded-md bg-slate-50 px-3 py-2 font-mono text-xs leading-relaxed whitespace-pre-wrap break-all text-slate-800 ring-1 ring-inset ring-slate-200"
                    data-testid="activity-detail-headers"
                  >
                    {e.headers.map(([name, value]) => `${name}: ${value}`).join("\n")}
                  </pre>
                ) : (
                  <p className="text-slate-500">No headers were kept for this entry.</p>
                )}
              </Section>
            </div>
          ) : null}
        </div>
      </div>
    </dialog>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title}>
      <h3 className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</h3>
      {children}
    </section>
  );
}

function Pairs({ rows }: { rows: [string, string | null][] }) {
  return (
    <dl className="divide-y divide-slate-100 rounded-md ring-1 ring-slate-200">
      {rows.map(([label, value]) => (
        <div key={label} className="grid grid-cols-3 gap-3 px-3 py-2">
          <dt className="text-slate-500">{label}</dt>
          <dd className="col-span-2 font-mono text-xs break-all text-slate-900">{value ?? <span className="font-sans text-slate-400">—</span>}</dd>
        </div>
      ))}
    </dl>
  );
}
