"use client";
import { useState } from "react";
import { z } from "zod";
import { useCurrentUser, type CurrentUser } from "../shell/current-user";

/** What a reply draft keeps: the fields as typed (attachments are not kept: files are not stored in the browser). */
export type ReplyDraft = { to: string; cc: string; body: string };

// zod compiles object parsers with `new Function` unless told not to; the pages' CSP allows no eval, so the
// browser would log a violation on every ticket page (e2e/support/csp-guard.ts fails specs on any).
z.config({ jitless: true });

const storedDraft = z.object({ to: z.string(), cc: z.string(), body: z.string() });

/** One draft per tenant, user and ticket: two people sharing a browser never see each other's drafts. */
function storageKey(user: CurrentUser, ticketId: string): string {
  return `opsmerge:reply-draft:${user.tenantId}:${user.id}:${ticketId}`;
}

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null; // storage disabled by the browser's privacy settings: drafts last as long as the page
  }
}

function readDraft(key: string | null): ReplyDraft | null {
  const raw = key ? storage()?.getItem(key) : null;
  if (!raw) return null;
  try {
    const parsed = storedDraft.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function writeDraft(key: string | null, draft: ReplyDraft | null): void {
  if (!key) return;
  try {
    if (draft) storage()?.setItem(key, JSON.stringify(draft));
    else storage()?.removeItem(key);
  } catch {
    // quota exceeded: the draft still lives in the page
  }
}

/**
 * R-UX-3: the reply draft of one ticket, kept in the browser's local storage as it is typed, so it survives
 * navigation and reload; cleared by `discard` and after a successful send. A draft that says nothing beyond the
 * ticket's default recipients is not kept.
 */
export function useReplyDraft(ticketId: string, defaults: { to: string; cc: string }) {
  const user = useCurrentUser();
  const key = user ? storageKey(user, ticketId) : null;
  const blank: ReplyDraft = { ...defaults, body: "" };
  const [draft, setDraft] = useState<ReplyDraft>(() => readDraft(key) ?? blank);
  const unsaved = draft.body !== "" || draft.to !== defaults.to || draft.cc !== defaults.cc;

  function update(patch: Partial<ReplyDraft>) {
    const next = { ...draft, ...patch };
    setDraft(next);
    const isBlank = next.body === "" && next.to === defaults.to && next.cc === defaults.cc;
    writeDraft(key, isBlank ? null : next);
  }

  /** Back to the ticket's defaults, and forgotten. */
  function discard() {
    writeDraft(key, null);
    setDraft(blank);
  }

  return { draft, update, discard, hasDraft: unsaved };
}
