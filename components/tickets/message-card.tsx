"use client";
import { ScanBadge } from "../spam/scan-badge";
import { ChevronDown, ChevronUp, Download, FileText, ImageOff, Paperclip } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { Badge } from "../ui/badge";
import { Button, ToggleButton } from "../ui/button";
import { cn } from "../ui/cn";
import { HtmlFrame } from "./html-frame";
import { formatBytes, fullDate, Initials, mailboxText } from "./ticket-bits";
import type { AuthCheck, ThreadMessage } from "@/server/tickets/get-ticket";
import type { Mailbox } from "@/server/tickets/ticket-fields";

const GOOD = new Set(["pass"]);
const BAD = new Set(["fail", "permerror", "softfail"]);

function AuthBadge({ label, check }: { label: string; check: AuthCheck }) {
  const tone = GOOD.has(check.result) ? "green" : BAD.has(check.result) ? "red" : "slate";
  const title = `${label} ${check.result}${check.reason ? `: ${check.reason}` : ""}`;
  return (
    <span
      title={title}
      aria-label={title}
      tabIndex={0}
      className="cursor-help rounded-md focus:ring-2 focus:ring-indigo-500 focus:outline-none"
    >
      <Badge tone={tone}>
        {label} {check.result}
      </Badge>
    </span>
  );
}

const DELIVERY: Record<string, { label: string; tone: "slate" | "green" | "amber" | "red" | "indigo" }> = {
  QUEUED: { label: "Queued", tone: "indigo" },
  SENDING: { label: "Sending", tone: "indigo" },
  DELIVERED: { label: "Delivered", tone: "green" },
  DEFERRED: { label: "Deferred, retrying", tone: "amber" },
  BOUNCED: { label: "Bounced", tone: "red" },
};

function People({ label, list }: { label: string; list: Mailbox[] }) {
  if (!list.length) return null;
  return (
    <div className="truncate" title={list.map(mailboxText).join(", ")}>
      <span className="text-slate-400">{label} </span>
      {list.map((m) => m.name ?? m.address).join(", ")}
    </div>
  );
}

/**
 * One message of the thread: who, when, verdicts or delivery state, the new text, and the rest one click away.
 * Inbound mail opens as text (its HTML is one click away, in the sandboxed viewer), unless it had only HTML (B2);
 * our own replies open as the formatted message the client received, rendered from the composer's Markdown.
 */
export function MessageCard({ message: m }: { message: ThreadMessage }) {
  const [showAll, setShowAll] = useState(false);
  const [view, setView] = useState<"text" | "html">(m.opensFormatted ? "html" : "text");
  const [remote, setRemote] = useState(false);
  const outbound = m.direction === "OUTBOUND";
  const delivery = m.deliveryState
    ? (DELIVERY[m.deliveryState] ?? { label: m.deliveryState, tone: "slate" as const })
    : null;
  const sender = outbound ? (m.author?.name ?? m.from.name ?? m.from.address) : (m.from.name ?? m.from.address);
  const anchor = `message-${m.id}`;
  const ref = useRef<HTMLElement>(null);
  // A search hit links here (/tickets/<id>#message-<id>); the thread renders after its data arrives.
  useEffect(() => {
    if (window.location.hash === `#${anchor}`) ref.current?.scrollIntoView({ block: "start" });
  }, [anchor]);

  return (
    <article
      ref={ref}
      id={anchor}
      aria-label={`Message from ${sender}`}
      data-testid="thread-message"
      className={cn(
        "scroll-mt-4 rounded-xl bg-white shadow-sm ring-1 target:ring-2 target:ring-amber-400",
        outbound ? "ring-indigo-200" : "ring-slate-200",
      )}
    >
      <header
        className={cn(
          "flex gap-3 rounded-t-xl border-b px-5 py-3.5",
          outbound ? "border-indigo-100 bg-indigo-50/50" : "border-slate-100",
        )}
      >
        <Initials name={sender} tone={outbound ? "indigo" : "slate"} />
        <div className="min-w-0 flex-1 text-sm">
          <div className="flex flex-wrap items-baseline justify-between gap-x-3">
            <div className="min-w-0">
              <span className="font-semibold text-slate-900">{sender}</span>{" "}
              <span className="wrap-anywhere text-slate-500">&lt;{m.from.address}&gt;</span>
              {m.kind === "AUTO_ACK" ? <Badge className="ml-2">Auto-acknowledgement</Badge> : null}
              {m.kind === "AUTOMATIC" ? <Badge className="ml-2">Automatic reply</Badge> : null}
              {m.kind === "AUTOMATED" ? (
                <Badge tone="indigo" className="ml-2">
                  Automated
                </Badge>
              ) : null}
            </div>
            <time className="shrink-0 text-xs text-slate-500" dateTime={new Date(m.sentAt).toISOString()}>
              {fullDate(m.sentAt)}
            </time>
          </div>
          <div className="mt-0.5 space-y-0.5 text-xs text-slate-600">
            <People label="To" list={m.to} />
            <People label="Cc" list={m.cc} />
          </div>
          <div className="mt-2 flex flex-wrap items-center gap-1.5" data-testid="message-badges">
            {delivery ? (
              <span title={m.deliveryDetail ?? undefined} data-testid="delivery-state">
                <Badge tone={delivery.tone}>{delivery.label}</Badge>
              </span>
            ) : null}
            {m.deliveryDetail && m.deliveryState !== "QUEUED" ? (
              <span className="text-xs text-slate-500">{m.deliveryDetail}</span>
            ) : null}
            {m.scan ? <ScanBadge scan={m.scan} /> : null}
            {m.auth ? (
              <>
                <AuthBadge label="SPF" check={m.auth.spf} />
                <AuthBadge label="DKIM" check={m.auth.dkim} />
                <AuthBadge label="DMARC" check={m.auth.dmarc} />
                <AuthBadge label="ARC" check={m.auth.arc} />
              </>
            ) : null}
          </div>
        </div>
      </header>

      <div className="px-5 py-4">
        {m.hasHtml ? (
          <div className="mb-3 flex flex-wrap items-center gap-2" role="group" aria-label="Show the message as">
            <ToggleButton pressed={view === "text"} onClick={() => setView("text")}>
              Text
            </ToggleButton>
            <ToggleButton pressed={view === "html"} onClick={() => setView("html")}>
              Formatted
            </ToggleButton>
            {view === "html" && m.hasRemoteContent && !remote ? (
              <span className="ml-auto flex items-center gap-2 text-xs text-slate-500">
                <ImageOff className="size-3.5" aria-hidden />
                Remote images are blocked.
                <Button size="sm" variant="secondary" onClick={() => setRemote(true)}>
                  Load remote content
                </Button>
              </span>
            ) : null}
          </div>
        ) : null}
        {view === "html" && m.htmlDocument ? (
          <HtmlFrame title={`Formatted message from ${sender}`} document={m.htmlDocument} />
        ) : view === "html" ? (
          <div className="h-[28rem] resize-y overflow-hidden rounded-md ring-1 ring-slate-200">
            <iframe
              key={remote ? "remote" : "blocked"}
              title={`Formatted message from ${sender}`}
              src={`/api/messages/${m.id}/html${remote ? "?remote=1" : ""}`}
              sandbox="allow-popups allow-popups-to-escape-sandbox"
              referrerPolicy="no-referrer"
              className="h-full w-full bg-white"
            />
          </div>
        ) : (
          <>
            <div
              className="text-sm leading-relaxed break-words whitespace-pre-wrap text-slate-800"
              data-testid="message-text"
            >
              {showAll && m.fullText
                ? m.fullText
                : m.newText || <span className="text-slate-400 italic">(no text)</span>}
            </div>
            {m.fullText ? (
              <button
                type="button"
                onClick={() => setShowAll((v) => !v)}
                aria-expanded={showAll}
                className="mt-2 inline-flex items-center gap-1 rounded-md bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600 hover:bg-slate-200"
              >
                {showAll ? (
                  <ChevronUp className="size-3.5" aria-hidden />
                ) : (
                  <ChevronDown className="size-3.5" aria-hidden />
                )}
                {showAll ? "Hide quoted text" : "Show quoted text and signature"}
              </button>
            ) : null}
          </>
        )}

        {m.attachments.length ? (
          <ul aria-label="Attachments" className="mt-4 flex flex-wrap gap-2">
            {m.attachments.map((a) => (
              <li key={a.id}>
                <a
                  href={`/api/attachments/${a.id}`}
                  download={a.filename}
                  className="flex items-center gap-2 rounded-md bg-slate-50 px-3 py-2 text-xs ring-1 ring-slate-200 hover:bg-slate-100"
                >
                  <Paperclip className="size-3.5 text-slate-400" aria-hidden />
                  <span className="font-medium text-slate-800">{a.filename}</span>
                  <span className="text-slate-500">
                    {a.contentType} · {formatBytes(a.size)}
                  </span>
                  <Download className="size-3.5 text-slate-400" aria-hidden />
                </a>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      <footer className="flex justify-end border-t border-slate-100 px-5 py-2">
        <a
          href={`/api/messages/${m.id}/source`}
          className="inline-flex items-center gap-1 text-xs text-slate-500 hover:text-slate-800"
        >
          <FileText className="size-3.5" aria-hidden />
          Download source (.eml)
        </a>
      </footer>
    </article>
  );
}
