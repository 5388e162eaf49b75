"use client";
import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { Eye, Paperclip, PenLine, Send, X } from "lucide-react";
import { useRef, useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button, ToggleButton } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { TextAreaField, TextField } from "../ui/field";
import { useTRPC } from "../trpc/client";
import { CannedResponsePicker } from "./canned-response-picker";
import { FromPreview } from "./from-preview";
import { HtmlFrame } from "./html-frame";
import { formatBytes, mailboxText } from "./ticket-bits";
import { useReplyDraft } from "./use-reply-draft";

type Mailbox = { address: string; name: string | null };
type PickedFile = { filename: string; contentType: string; size: number; contentBase64: string };

/** "Alice <a@x>, b@y" → mailboxes; the server validates each address (and refuses line breaks). */
export function parseMailboxList(value: string): Mailbox[] {
  return value
    .split(/[,;\n]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^(.*?)\s*<([^<>]+)>$/.exec(part);
      if (m) return { address: m[2]!.trim(), name: m[1]!.replace(/^"|"$/g, "").trim() || null };
      return { address: part, name: null };
    });
}

async function readFile(file: File): Promise<PickedFile> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return {
    filename: file.name,
    contentType: file.type || "application/octet-stream",
    size: file.size,
    contentBase64: btoa(binary),
  };
}

/**
 * A new idempotency key for a draft (R-OUT-3). `crypto.randomUUID` exists only in secure contexts (HTTPS,
 * localhost); a gateway reached over plain HTTP on a LAN address gets 128 random bits from getRandomValues.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Server field errors (`to.0.address`, `attachments.1`) folded onto the composer's fields; the rest is the form's. */
function composerErrors(error: unknown): { fields: Record<string, string>; form: string | null } {
  if (!error) return { fields: {}, form: null };
  if (!(error instanceof TRPCClientError))
    return { fields: {}, form: error instanceof Error ? error.message : "Could not send." };
  const data = error.data as { fieldErrors?: Record<string, string> | null } | undefined;
  const fields: Record<string, string> = {};
  let form: string | null = null;
  for (const [key, message] of Object.entries(data?.fieldErrors ?? {})) {
    const field = key.split(".")[0] ?? "";
    if (["to", "cc", "body", "attachments"].includes(field)) fields[field] ??= message;
    else form ??= message;
  }
  if (!Object.keys(fields).length && !form) form = error.message;
  return { fields, form };
}

/**
 * R-TKT-2: the reply composer. The body is Markdown: sent as HTML and, as written, as the text part. Preview shows
 * it rendered by the server (tickets.previewReply: the one renderer and sanitiser the sent message goes through).
 * Sends through tickets.reply; the sent message joins the thread as Queued.
 *
 * Sending is idempotent (R-OUT-3, R-OUT-4): each draft has a random key, sent with every attempt, so a send that
 * failed or got no answer can simply be sent again — if the first one was stored, the server answers with it and
 * queues nothing. The key is kept until a send succeeds (edits after a failure keep it too: the server refuses a
 * changed draft whose first version was already stored, CONFLICT, instead of sending both), then the next draft
 * gets a new one. The button is disabled while a send is in flight, and a second submit in the same instant is
 * ignored.
 */
export function ReplyComposer({
  ticketId,
  defaults,
  onSent,
}: {
  ticketId: string;
  defaults: { to: Mailbox[]; cc: Mailbox[] };
  onSent: () => Promise<void>;
}) {
  const trpc = useTRPC();
  const reply = useMutation(trpc.tickets.reply.mutationOptions());
  const preview = useMutation(trpc.tickets.previewReply.mutationOptions());
  const [mode, setMode] = useState<"write" | "preview">("write");
  const { draft, update, discard, hasDraft } = useReplyDraft(ticketId, {
    to: defaults.to.map(mailboxText).join(", "),
    cc: defaults.cc.map(mailboxText).join(", "),
  });
  const { to, cc, body } = draft;
  const [files, setFiles] = useState<PickedFile[]>([]);
  const [reading, setReading] = useState(false);
  const [sent, setSent] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  /** This draft's idempotency key, made at its first send. */
  const draftKey = useRef<string | null>(null);
  /** Set synchronously: a double click submits twice before React re-renders the disabled button. */
  const sending = useRef(false);
  const errors = composerErrors(reply.error);

  async function pick(list: FileList | null) {
    if (!list?.length) return;
    setReading(true);
    try {
      const picked = await Promise.all([...list].map(readFile));
      setFiles((prev) => [...prev, ...picked]);
    } finally {
      setReading(false);
      if (fileInput.current) fileInput.current.value = "";
    }
  }

  function showPreview() {
    setMode("preview");
    preview.mutate({ body });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (sending.current) return;
    sending.current = true;
    setSent(false);
    const idempotencyKey = (draftKey.current ??= newIdempotencyKey());
    try {
      await reply.mutateAsync({
        ticketId,
        to: parseMailboxList(to),
        cc: parseMailboxList(cc),
        body,
        attachments: files.map(({ filename, contentType, contentBase64 }) => ({
          filename,
          contentType,
          contentBase64,
        })),
        idempotencyKey,
      });
    } catch (err) {
      if (err instanceof TRPCClientError && (err.data as { code?: string } | undefined)?.code === "CONFLICT") {
        // The draft's first version was stored (its answer was lost) and is going out; the message says so. Show
        // it in the thread, and let a deliberate second send of the edited draft be a new reply.
        draftKey.current = null;
        await onSent();
      }
      throw err;
    } finally {
      sending.current = false;
    }
    draftKey.current = null;
    discard();
    setFiles([]);
    setMode("write");
    preview.reset();
    setSent(true);
    await onSent();
  }

  return (
    <section aria-label="Reply" className="mt-6">
      <Card>
        <CardHeader
          title="Reply"
          description="Goes out signed, with this ticket's reply address."
        />
        <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="space-y-4 px-5 py-5">
          {errors.form ? <Alert>{errors.form}</Alert> : null}
          <FromPreview ticketId={ticketId} />
          <TextField
            label="To"
            name="to"
            value={to}
            onChange={(e) => update({ to: e.target.value })}
            error={errors.fields.to}
            autoComplete="off"
            spellCheck={false}
          />
          <TextField
            label="Cc"
            name="cc"
            value={cc}
            onChange={(e) => update({ cc: e.target.value })}
            error={errors.fields.cc}
            autoComplete="off"
            spellCheck={false}
            hint="Separate addresses with commas."
          />
          <div className="space-y-1.5">
            <div className="flex items-center justify-end gap-1" role="group" aria-label="Write or preview">
              <div className="mr-auto">
                <CannedResponsePicker
                  ticketId={ticketId}
                  onInsert={(text) => update({ body: draft.body.trim() ? `${draft.body.trimEnd()}\n\n${text}` : text })}
                />
              </div>
              <ToggleButton pressed={mode === "write"} onClick={() => setMode("write")}>
                <PenLine className="size-3.5" aria-hidden />
                Write
              </ToggleButton>
              <ToggleButton pressed={mode === "preview"} onClick={showPreview}>
                <Eye className="size-3.5" aria-hidden />
                Preview
              </ToggleButton>
            </div>
            {mode === "write" ? (
              <TextAreaField
                label="Message"
                name="body"
                rows={7}
                value={body}
                onChange={(e) => update({ body: e.target.value })}
                error={errors.fields.body}
                className="font-mono"
                hint={
                  <>
                    Markdown supported: <code>**bold**</code>, <code>_italic_</code>, <code>- lists</code>,{" "}
                    <code>&gt; quotes</code>, <code>[links](https://…)</code>. Sent as formatted HTML and as plain text.
                  </>
                }
              />
            ) : (
              <section aria-label="Preview" className="space-y-1.5">
                <h3 className="text-sm font-medium text-slate-700">Preview</h3>
                <div className="min-h-[10.5rem] rounded-md px-3 py-2 ring-1 ring-slate-300">
                  {preview.isPending ? (
                    <p className="text-sm text-slate-500">Rendering…</p>
                  ) : preview.error ? (
                    <p role="alert" className="text-sm text-red-600">
                      Could not render the preview: {preview.error.message}
                    </p>
                  ) : preview.data?.document ? (
                    <HtmlFrame title="Preview of the reply" document={preview.data.document} />
                  ) : (
                    <p className="text-sm text-slate-500 italic">Nothing to preview yet.</p>
                  )}
                </div>
                {errors.fields.body ? (
                  <p role="alert" className="text-sm text-red-600">
                    {errors.fields.body}
                  </p>
                ) : (
                  <p className="text-xs text-slate-500">This is how the client sees the formatted message.</p>
                )}
              </section>
            )}
          </div>
          <div>
            <input
              ref={fileInput}
              type="file"
              multiple
              className="sr-only"
              id={`attach-${ticketId}`}
              onChange={(e) => void pick(e.target.files)}
            />
            {files.length ? (
              <ul aria-label="Files to send" className="mb-2 flex flex-wrap gap-2">
                {files.map((f, i) => (
                  <li
                    key={`${f.filename}-${i}`}
                    className="flex items-center gap-2 rounded-md bg-slate-50 px-2.5 py-1.5 text-xs ring-1 ring-slate-200"
                  >
                    <Paperclip className="size-3.5 text-slate-400" aria-hidden />
                    <span className="font-medium text-slate-800">{f.filename}</span>
                    <span className="text-slate-500">{formatBytes(f.size)}</span>
                    <button
                      type="button"
                      aria-label={`Remove ${f.filename}`}
                      onClick={() => setFiles((prev) => prev.filter((_, j) => j !== i))}
                      className="rounded p-0.5 text-slate-400 hover:bg-slate-200 hover:text-slate-700"
                    >
                      <X className="size-3.5" aria-hidden />
                    </button>
                  </li>
                ))}
              </ul>
            ) : null}
            {errors.fields.attachments ? (
              <p role="alert" className="mb-2 text-sm text-red-600">
                {errors.fields.attachments}
              </p>
            ) : null}
          </div>
          <div className="flex flex-wrap items-center gap-3">
            <Button type="submit" disabled={reply.isPending || reading}>
              <Send className="size-4" aria-hidden />
              {reply.isPending ? "Sending…" : "Send reply"}
            </Button>
            <Button variant="secondary" onClick={() => fileInput.current?.click()} disabled={reading}>
              <Paperclip className="size-4" aria-hidden />
              {reading ? "Reading…" : "Attach files"}
            </Button>
            {hasDraft ? (
              <Button
                variant="ghost"
                disabled={reply.isPending}
                onClick={() => {
                  discard();
                  setFiles([]);
                  reply.reset();
                }}
              >
                Discard draft
              </Button>
            ) : null}
            {sent ? (
              <div className="min-w-0 flex-1">
                <Alert tone="success">Reply queued for delivery.</Alert>
              </div>
            ) : null}
          </div>
        </form>
      </Card>
    </section>
  );
}
