"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { MessageSquareText } from "lucide-react";
import Link from "next/link";
import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { useTRPC } from "../trpc/client";

/**
 * R-UX-3: inserts a canned response into the reply, filled in for this ticket by the server (the one placeholder
 * renderer). Keyboard first: the button, or "/" typed at the start of a line of the message, opens it; typing
 * filters by title, ↑/↓ choose, Enter inserts, Esc closes, and focus goes back to the message.
 */
export function CannedResponsePicker({ ticketId, onInsert }: { ticketId: string; onInsert: (text: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const root = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState("");
  const [active, setActive] = useState(0);
  const [inserting, setInserting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const list = useQuery({ ...trpc.cannedResponses.list.queryOptions(), enabled: open });
  const needle = filter.trim().toLocaleLowerCase();
  const matches = (list.data?.items ?? []).filter((r) => r.title.toLocaleLowerCase().includes(needle));
  const current = matches[Math.min(active, matches.length - 1)];

  const messageBox = () =>
    root.current?.closest("form")?.querySelector<HTMLTextAreaElement>("textarea[name=body]") ?? null;

  function close(refocus: boolean) {
    setOpen(false);
    setFilter("");
    setActive(0);
    setError(null);
    if (refocus) (messageBox() ?? root.current?.querySelector("button"))?.focus();
  }

  // "/" at the start of a line of the message opens the picker instead of typing the slash.
  useEffect(() => {
    const form = root.current?.closest("form");
    if (!form) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      const box = e.target;
      if (
        e.key !== "/" ||
        e.ctrlKey ||
        e.metaKey ||
        e.altKey ||
        !(box instanceof HTMLTextAreaElement) ||
        box.name !== "body"
      )
        return;
      const before = box.value.slice(0, box.selectionStart);
      if (before !== "" && !before.endsWith("\n")) return;
      e.preventDefault();
      setOpen(true);
    };
    form.addEventListener("keydown", onKey);
    return () => form.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);

  async function insert(id: string) {
    setInserting(true);
    setError(null);
    try {
      const rendered = await queryClient.fetchQuery(
        trpc.cannedResponses.render.queryOptions({ id, ticketId }, { staleTime: 0 }),
      );
      onInsert(rendered.body);
      close(true);
    } catch (err) {
      setError(err instanceof Error ? err.message : "Could not insert the response.");
    } finally {
      setInserting(false);
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!matches.length) return;
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive((i) => (Math.min(i, matches.length - 1) + step + matches.length) % matches.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (current && !inserting) void insert(current.id);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    }
  }

  return (
    <div ref={root} className="relative">
      <Button
        variant="ghost"
        size="sm"
        aria-haspopup="listbox"
        aria-expanded={open}
        onClick={() => (open ? close(false) : setOpen(true))}
        title='Insert a canned response (or type "/" at the start of a line)'
      >
        <MessageSquareText className="size-3.5" aria-hidden />
        Canned response
        <kbd className="ml-1 rounded bg-slate-100 px-1 font-mono text-[10px] text-slate-500 ring-1 ring-slate-200">
          /
        </kbd>
      </Button>
      {open ? (
        <div
          className="absolute top-full left-0 z-20 mt-1 w-80 max-w-[calc(100vw-3rem)] rounded-lg bg-white shadow-lg ring-1 ring-slate-200"
          onBlur={(e) => {
            if (!e.currentTarget.contains(e.relatedTarget)) close(false);
          }}
        >
          <div className="border-b border-slate-100 p-2">
            <input
              ref={input}
              type="text"
              role="combobox"
              aria-label="Find a canned response"
              aria-expanded
              aria-controls={listId}
              aria-activedescendant={current ? `${listId}-${current.id}` : undefined}
              placeholder="Type to filter by title…"
              value={filter}
              onChange={(e) => {
                setFilter(e.target.value);
                setActive(0);
              }}
              onKeyDown={onKeyDown}
              className="block w-full rounded-md border-0 px-2.5 py-1.5 text-sm ring-1 ring-slate-300 ring-inset placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500 focus:outline-none"
            />
          </div>
          <ul id={listId} role="listbox" aria-label="Canned responses" className="max-h-64 overflow-y-auto py-1">
            {list.isPending ? <li className="px-3 py-2 text-sm text-slate-500">Loading…</li> : null}
            {list.isError ? (
              <li className="px-3 py-2 text-sm text-red-600">Could not load them: {list.error.message}</li>
            ) : null}
            {list.data && !list.data.items.length ? (
              <li className="px-3 py-2 text-sm text-slate-500">
                No canned responses yet.{" "}
                <Link href="/settings/tickets/canned-responses" className="text-indigo-700 hover:underline">
                  Add some
                </Link>{" "}
                (admins).
              </li>
            ) : null}
            {list.data?.items.length && !matches.length ? (
              <li className="px-3 py-2 text-sm text-slate-500">No title matches “{filter.trim()}”.</li>
            ) : null}
            {matches.map((r) => (
              <li
                key={r.id}
                id={`${listId}-${r.id}`}
                role="option"
                aria-selected={r.id === current?.id}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => void insert(r.id)}
                className={cn(
                  "cursor-pointer px-3 py-2 text-sm",
                  r.id === current?.id ? "bg-indigo-50 text-indigo-900" : "text-slate-700 hover:bg-slate-50",
                )}
              >
                <div className="truncate font-medium">{r.title}</div>
                <div className="truncate text-xs text-slate-500">{r.body.replace(/\s+/g, " ")}</div>
              </li>
            ))}
          </ul>
          {error ? (
            <p role="alert" className="border-t border-slate-100 px-3 py-2 text-sm text-red-600">
              {error}
            </p>
          ) : (
            <p className="border-t border-slate-100 px-3 py-1.5 text-[11px] text-slate-500">
              {inserting ? "Inserting…" : "↑ ↓ to choose · Enter to insert · Esc to close"}
            </p>
          )}
        </div>
      ) : null}
    </div>
  );
}
