"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { MessageSquareText, Pencil, Plus, Trash2 } from "lucide-react";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { Dialog } from "../ui/dialog";
import { TextAreaField, TextField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { PageHeader } from "../ui/page-header";
import { useTRPC } from "../trpc/client";

const FIELDS = ["title", "body"] as const;
type Editing = { id?: string; title: string; body: string };
type Placeholder = { name: string; description: string };

/** R-UX-3: the tenant's canned responses (admins); technicians and support insert them from the reply composer. */
export function CannedResponsesScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.cannedResponses.list.queryOptions());
  const remove = useMutation(trpc.cannedResponses.delete.mutationOptions());
  const [editing, setEditing] = useState<Editing | null>(null);
  const [deleting, setDeleting] = useState<{ id: string; title: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.cannedResponses.pathKey() });

  return (
    <>
      <PageHeader
        title="Canned responses"
        description="Replies your team inserts into the composer with one keystroke: the Canned response button, or “/” at the start of a line. Placeholders are filled in for the ticket."
        actions={
          <Button onClick={() => setEditing({ title: "", body: "" })}>
            <Plus className="size-4" aria-hidden />
            New response
          </Button>
        }
      />
      {list.isError ? <Alert>Could not load the canned responses: {list.error.message}</Alert> : null}
      {list.isPending ? (
        <div aria-busy className="animate-pulse space-y-2 rounded-xl bg-white p-5 ring-1 ring-slate-200">
          <span className="sr-only">Loading canned responses…</span>
          {Array.from({ length: 4 }, (_, i) => (
            <div key={i} className="h-12 rounded bg-slate-100" />
          ))}
        </div>
      ) : null}
      {list.data && list.data.items.length === 0 ? (
        <Card className="px-6 py-14 text-center">
          <MessageSquareText className="mx-auto size-10 text-slate-300" aria-hidden />
          <h2 className="mt-3 text-sm font-semibold text-slate-900">No canned responses yet</h2>
          <p className="mx-auto mt-1 max-w-sm text-sm text-slate-500">
            Save the answers you give again and again, with placeholders such as {"{{requester.firstName}}"}.
          </p>
          <div className="mt-4">
            <Button onClick={() => setEditing({ title: "", body: "" })}>
              <Plus className="size-4" aria-hidden />
              New response
            </Button>
          </div>
        </Card>
      ) : null}
      {list.data && list.data.items.length > 0 ? (
        <Card className="overflow-hidden">
          <ul className="divide-y divide-slate-100" aria-label="Canned responses">
            {list.data.items.map((r) => (
              <li key={r.id} className="flex items-start gap-4 px-5 py-4">
                <div className="min-w-0 flex-1">
                  <div className="font-medium text-slate-900">{r.title}</div>
                  <p className="mt-1 line-clamp-2 text-sm text-slate-600">{r.body.replace(/\s+/g, " ")}</p>
                </div>
                <div className="flex shrink-0 gap-1">
                  <Button variant="ghost" size="sm" aria-label={`Edit ${r.title}`} onClick={() => setEditing(r)}>
                    <Pencil className="size-3.5" aria-hidden />
                  </Button>
                  <Button variant="ghost" size="sm" aria-label={`Delete ${r.title}`} onClick={() => setDeleting(r)}>
                    <Trash2 className="size-3.5" aria-hidden />
                  </Button>
                </div>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      {list.data ? <PlaceholderList placeholders={list.data.placeholders} /> : null}

      <Dialog
        open={editing !== null}
        onClose={() => setEditing(null)}
        title={editing?.id ? "Edit canned response" : "New canned response"}
      >
        {editing ? (
          <EditForm
            initial={editing}
            placeholders={list.data?.placeholders ?? []}
            onSaved={async () => {
              setEditing(null);
              await refresh();
            }}
            onCancel={() => setEditing(null)}
          />
        ) : null}
      </Dialog>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete “${deleting?.title ?? ""}”?`}
        confirmLabel="Delete response"
        pending={remove.isPending}
        error={remove.error?.message}
        onClose={() => setDeleting(null)}
        onConfirm={() =>
          deleting &&
          remove.mutate(
            { id: deleting.id },
            {
              onSuccess: () => {
                setDeleting(null);
                void refresh();
              },
            },
          )
        }
      >
        <p>Your team can no longer insert it. Replies already sent are not changed.</p>
      </ConfirmDialog>
    </>
  );
}

function EditForm({
  initial,
  placeholders,
  onSaved,
  onCancel,
}: {
  initial: Editing;
  placeholders: Placeholder[];
  onSaved: () => Promise<void>;
  onCancel: () => void;
}) {
  const trpc = useTRPC();
  const save = useMutation(trpc.cannedResponses.save.mutationOptions());
  const [title, setTitle] = useState(initial.title);
  const [body, setBody] = useState(initial.body);
  const errors = formErrorsOf(save.error, FIELDS);

  async function submit(e: FormEvent) {
    e.preventDefault();
    await save.mutateAsync({ ...(initial.id ? { id: initial.id } : {}), title, body });
    await onSaved();
  }

  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="space-y-4">
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <TextField
        label="Title"
        name="title"
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        error={errors.fields.title}
        autoFocus
      />
      <TextAreaField
        label="Response"
        name="body"
        rows={8}
        value={body}
        onChange={(e) => setBody(e.target.value)}
        error={errors.fields.body}
        className="font-mono"
        hint={
          <>
            Markdown, like the reply composer. Placeholders:{" "}
            {placeholders.map((p, i) => (
              <span key={p.name}>
                {i ? ", " : ""}
                <code title={p.description}>{`{{${p.name}}}`}</code>
              </span>
            ))}
            .
          </>
        }
      />
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save response"}
        </Button>
      </div>
    </form>
  );
}

function PlaceholderList({ placeholders }: { placeholders: Placeholder[] }) {
  return (
    <Card className="mt-6">
      <CardHeader
        title="Placeholders"
        description="Filled in for the ticket when the response is inserted. Any other {{…}} is refused when you save."
      />
      <dl className="grid gap-x-6 gap-y-2 px-5 py-4 text-sm sm:grid-cols-[max-content_1fr]">
        {placeholders.map((p) => (
          <div key={p.name} className="contents">
            <dt>
              <code className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-800">{`{{${p.name}}}`}</code>
            </dt>
            <dd className="text-slate-600">{p.description}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}
