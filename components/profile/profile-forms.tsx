"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { TextField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";

export function ProfileNameForm({ name: initialName, email }: { name: string; email: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const update = useMutation(trpc.profile.update.mutationOptions());
  const [name, setName] = useState(initialName);
  const errors = formErrorsOf(update.error, ["name"]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    await update.mutateAsync({ name });
    router.refresh();
  }

  return (
    <Card>
      <CardHeader title="Your details" description="Your name appears on the replies you write." />
      <form onSubmit={(e) => void submit(e).catch(() => undefined)} className="space-y-5 px-5 py-5" noValidate>
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        {update.isSuccess ? <Alert tone="success">Saved.</Alert> : null}
        <TextField label="Name" name="name" value={name} error={errors.fields.name} onChange={(e) => setName(e.target.value)} />
        <TextField label="Email" name="email" value={email} disabled readOnly hint="Your sign-in address; an admin can change it." />
        <div className="flex justify-end">
          <Button type="submit" disabled={update.isPending || name.trim() === initialName}>
            Save
          </Button>
        </div>
      </form>
    </Card>
  );
}

export function ChangePasswordForm() {
  const trpc = useTRPC();
  const change = useMutation(trpc.profile.changePassword.mutationOptions());
  const [currentPassword, setCurrent] = useState("");
  const [newPassword, setNew] = useState("");
  const errors = formErrorsOf(change.error, ["currentPassword", "newPassword"]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    await change.mutateAsync({ currentPassword, newPassword });
    setCurrent("");
    setNew("");
  }

  return (
    <Card>
      <CardHeader title="Password" description="Changing it signs you out everywhere else." />
      <form onSubmit={(e) => void submit(e).catch(() => undefined)} className="space-y-5 px-5 py-5" noValidate>
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        {change.isSuccess ? <Alert tone="success">Password changed.</Alert> : null}
        <TextField
          label="Current password"
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          value={currentPassword}
          error={errors.fields.currentPassword}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <TextField
          label="New password"
          name="newPassword"
          type="password"
          autoComplete="new-password"
          hint="At least 10 characters."
          value={newPassword}
          error={errors.fields.newPassword}
          onChange={(e) => setNew(e.target.value)}
        />
        <div className="flex justify-end">
          <Button type="submit" disabled={change.isPending || !currentPassword || !newPassword}>
            Change password
          </Button>
        </div>
      </form>
    </Card>
  );
}
