"use client";
import { useMutation } from "@tanstack/react-query";
import { Lock } from "lucide-react";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { TextAreaField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";

const FIELDS = ["body"] as const;

/** R-UX-3: writes an internal note on the ticket. Notes stay in the team: they are never emailed. */
export function NoteComposer({ ticketId, onAdded }: { ticketId: string; onAdded: () => Promise<void> }) {
  const trpc = useTRPC();
  const add = useMutation(trpc.tickets.addNote.mutationOptions());
  const [body, setBody] = useState("");
  const errors = formErrorsOf(add.error, FIELDS);

  async function submit(e: FormEvent) {
    e.preventDefault();
    await add.mutateAsync({ ticketId, body });
    setBody("");
    await onAdded();
  }

  return (
    <section aria-label="Internal note" className="rounded-xl bg-amber-50/60 ring-1 ring-amber-200">
      <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="space-y-3 px-5 py-4">
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        <TextAreaField
          label="Internal note"
          name="note"
          rows={3}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) e.currentTarget.form?.requestSubmit();
          }}
          error={errors.fields.body}
          placeholder="What the team should know: calls, findings, next steps…"
          hint="Only your team sees notes: they are never emailed to anyone. Ctrl+Enter adds it."
        />
        <Button type="submit" variant="secondary" disabled={add.isPending}>
          <Lock className="size-4" aria-hidden />
          {add.isPending ? "Adding…" : "Add note"}
        </Button>
      </form>
    </section>
  );
}
