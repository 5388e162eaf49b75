"use client";
import { X } from "lucide-react";
import type { ReactNode } from "react";
import { useModalDialog } from "./use-modal-dialog";

/**
 * A modal on the native <dialog>: focus is trapped, Esc closes, focus returns to the opener: keyboard use for
 * free. Rendered only while open, so each opening starts from fresh form state.
 *
 * `busy`: a request is running that closing could not undo (creating a domain, say): Esc, the close button and the
 * form's Cancel do nothing until it ends, so the dialog never pretends something was cancelled that was not.
 */
export function Dialog({
  open,
  onClose,
  title,
  description,
  busy = false,
  children,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  description?: ReactNode;
  busy?: boolean;
  children: ReactNode;
}) {
  if (!open) return null;
  return (
    <OpenDialog onClose={onClose} title={title} description={description} busy={busy}>
      {children}
    </OpenDialog>
  );
}

function OpenDialog({
  onClose,
  title,
  description,
  busy,
  children,
}: {
  onClose: () => void;
  title: string;
  description?: ReactNode;
  busy: boolean;
  children: ReactNode;
}) {
  const ref = useModalDialog();
  return (
    <dialog
      ref={ref}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onClose();
      }}
      aria-labelledby="dialog-title"
      aria-busy={busy || undefined}
      className="m-auto w-[calc(100%-2rem)] max-w-lg rounded-xl bg-white p-0 shadow-2xl ring-1 ring-slate-900/10"
    >
      <div className="flex items-start justify-between gap-4 border-b border-slate-200 px-5 py-4 sm:px-6">
        <div className="min-w-0">
          <h2 id="dialog-title" className="text-base font-semibold text-slate-900">
            {title}
          </h2>
          {description ? <p className="mt-1 text-sm text-slate-500">{description}</p> : null}
        </div>
        <button
          type="button"
          onClick={onClose}
          disabled={busy}
          className="rounded-md p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-600 disabled:opacity-40"
          aria-label="Close"
        >
          <X className="size-5" aria-hidden />
        </button>
      </div>
      <div className="px-5 py-5 sm:px-6">{children}</div>
    </dialog>
  );
}
