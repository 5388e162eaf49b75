"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Plus, X } from "lucide-react";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { controlClass, TextAreaField, TextField } from "../ui/field";
import { cn } from "../ui/cn";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";

export type ClientFormValues = { name: string; primaryDomain: string; aliasDomains: string[]; notes: string };

const empty: ClientFormValues = { name: "", primaryDomain: "", aliasDomains: [], notes: "" };

/** Create (no clientId) or edit a client: name, primary domain, alias domains, notes. */
export function ClientFormDialog({
  open,
  onClose,
  clientId,
  initial = empty,
  onSaved,
}: {
  open: boolean;
  onClose: () => void;
  clientId?: string;
  initial?: ClientFormValues;
  onSaved?: (client: { id: string; name: string }) => void;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={clientId ? "Edit client" : "New client"}
      description="Mail from the client's domains, and from its contacts' addresses, is attributed to it."
    >
      <ClientForm clientId={clientId} initial={initial} onClose={onClose} onSaved={onSaved} />
    </Dialog>
  );
}

function ClientForm({
  clientId,
  initial,
  onClose,
  onSaved,
}: {
  clientId: string | undefined;
  initial: ClientFormValues;
  onClose: () => void;
  onSaved: ((client: { id: string; name: string }) => void) | undefined;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<ClientFormValues>(initial);
  const create = useMutation(trpc.clients.create.mutationOptions());
  const update = useMutation(trpc.clients.update.mutationOptions());
  const mutation = clientId ? update : create;
  const shown = ["name", "primaryDomain", "notes", ...values.aliasDomains.map((_, i) => `aliasDomains.${i}`)];
  const errors = formErrorsOf(mutation.error, shown);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const input = { ...values, aliasDomains: values.aliasDomains };
    const saved = clientId ? await update.mutateAsync({ clientId, ...input }) : await create.mutateAsync(input);
    await queryClient.invalidateQueries({ queryKey: trpc.clients.pathKey() });
    onSaved?.(saved);
    onClose();
  }

  const setAlias = (index: number, value: string) =>
    setValues((v) => ({ ...v, aliasDomains: v.aliasDomains.map((d, i) => (i === index ? value : d)) }));

  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} className="space-y-5" noValidate>
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <TextField
        label="Name"
        name="name"
        autoFocus
        value={values.name}
        error={errors.fields.name}
        onChange={(e) => setValues({ ...values, name: e.target.value })}
      />
      <TextField
        label="Primary domain"
        name="primaryDomain"
        placeholder="acme.com"
        value={values.primaryDomain}
        error={errors.fields.primaryDomain}
        hint="International domains are fine (bücher.de). Free-mail providers such as gmail.com cannot be client domains."
        onChange={(e) => setValues({ ...values, primaryDomain: e.target.value })}
      />
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700">Alias domains</legend>
        <p className="text-xs text-slate-500">Other domains the client sends from, e.g. after a rebrand or an acquisition.</p>
        {values.aliasDomains.map((domain, index) => {
          const error = errors.fields[`aliasDomains.${index}`];
          return (
            <div key={index}>
              <div className="flex items-center gap-2">
                <input
                  name={`aliasDomains.${index}`}
                  aria-label={`Alias domain ${index + 1}`}
                  aria-invalid={Boolean(error)}
                  placeholder="acme.co.uk"
                  value={domain}
                  onChange={(e) => setAlias(index, e.target.value)}
                  className={cn(controlClass, error ? "ring-red-400 focus:ring-red-500" : "ring-slate-300 focus:ring-indigo-500")}
                />
                <Button
                  variant="ghost"
                  aria-label={`Remove alias domain ${index + 1}`}
                  onClick={() => setValues((v) => ({ ...v, aliasDomains: v.aliasDomains.filter((_, i) => i !== index) }))}
                >
                  <X className="size-4" aria-hidden />
                </Button>
              </div>
              {error ? (
                <p role="alert" className="mt-1.5 text-sm text-red-600">
                  {error}
                </p>
              ) : null}
            </div>
          );
        })}
        <Button variant="secondary" size="sm" onClick={() => setValues((v) => ({ ...v, aliasDomains: [...v.aliasDomains, ""] }))}>
          <Plus className="size-3.5" aria-hidden />
          Add alias domain
        </Button>
      </fieldset>
      <TextAreaField
        label="Notes"
        name="notes"
        value={values.notes}
        error={errors.fields.notes}
        onChange={(e) => setValues({ ...values, notes: e.target.value })}
      />
      <div className="flex justify-end gap-2 border-t border-slate-200 pt-4">
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" disabled={mutation.isPending}>
          {clientId ? "Save changes" : "Create client"}
        </Button>
      </div>
    </form>
  );
}
