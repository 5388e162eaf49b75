"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { TextField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";

export type ContactFormTarget = { mode: "add"; clientId: string } | { mode: "edit"; contactId: string; name: string; email: string };

export function ContactFormDialog({ target, onClose }: { target: ContactFormTarget | null; onClose: () => void }) {
  return (
    <Dialog
      open={target !== null}
      onClose={onClose}
      title={target?.mode === "edit" ? "Edit contact" : "Add contact"}
      description="Mail from this address is attributed to the client, whatever its domain."
    >
      {target ? <ContactForm target={target} onClose={onClose} /> : null}
    </Dialog>
  );
}

function ContactForm({ target, onClose }: { target: ContactFormTarget; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState(target.mode === "edit" ? target.name : "");
  const [email, setEmail] = useState(target.mode === "edit" ? target.email : "");
  const add = useMutation(trpc.clients.addContact.mutationOptions());
  const update = useMutation(trpc.clients.updateContact.mutationOptions());
  const mutation = target.mode === "edit" ? update : add;
  const errors = formErrorsOf(mutation.error, ["name", "email"]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (target.mode === "edit") await update.mutateAsync({ contactId: target.contactId, name, email });
    else await add.mutateAsync({ clientId: target.clientId, name, email });
    await queryClient.invalidateQueries({ queryKey: trpc.clients.pathKey() });
    onClose();
  }

  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} className="space-y-5" noValidate>
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <TextField label="Name" name="contactName" autoFocus value={name} error={errors.fields.name} onChange={(e) => setName(e.target.value)} />
      <TextField
        label="Email"
        name="contactEmail"
        type="email"
        placeholder="jane@acme.com"
        value={email}
        error={errors.fields.email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <div className="flex justify-end gap-2 border-t border-slate-200 pt-4">
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" disabled={mutation.isPending}>
          {target.mode === "edit" ? "Save contact" : "Add contact"}
        </Button>
      </div>
    </form>
  );
}
