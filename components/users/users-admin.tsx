"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound, Plus, UserCheck, UserX } from "lucide-react";
import { useState, type FormEvent } from "react";
import { roleLabels, roles, type Role } from "@/server/users/roles";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { Dialog } from "../ui/dialog";
import { Field, TextField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { PageHeader } from "../ui/page-header";
import { useTRPC } from "../trpc/client";

const roleHelp: Record<Role, string> = {
  ADMIN: "Everything, including settings and users.",
  TECHNICIAN: "Works tickets and edits their own profile.",
  SUPPORT: "Works tickets and triages the Unattributed queue.",
};

export function UsersAdmin({ currentUserId }: { currentUserId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const update = useMutation(trpc.users.update.mutationOptions());
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<{ id: string; name: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.pathKey() });

  return (
    <>
      <PageHeader
        title="Users"
        description="People of your team who sign in to OpsMerge. There is no sign-up: you create their accounts here."
        actions={
          <Button onClick={() => setCreating(true)}>
            <Plus className="size-4" aria-hidden />
            New user
          </Button>
        }
      />
      {update.error ? (
        <div className="mb-4">
          <Alert>{update.error.message}</Alert>
        </div>
      ) : null}
      {users.isError ? <Alert>Could not load users: {users.error.message}</Alert> : null}
      {users.isPending ? <p className="text-sm text-slate-500">Loading users…</p> : null}
      {users.data ? (
        <Card className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <thead className="bg-slate-50">
              <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
                <th scope="col" className="px-5 py-3">User</th>
                <th scope="col" className="px-5 py-3">Role</th>
                <th scope="col" className="px-5 py-3">Status</th>
                <th scope="col" className="px-5 py-3"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {users.data.map((u) => {
                const self = u.id === currentUserId;
                return (
                  <tr key={u.id} className={u.disabled ? "bg-slate-50/60" : undefined}>
                    <td className="px-5 py-3.5">
                      <p className={u.disabled ? "font-medium text-slate-500" : "font-medium text-slate-900"}>
                        {u.name}
                        {self ? <span className="ml-2 text-xs font-normal text-slate-500">(you)</span> : null}
                      </p>
                      <p className="text-slate-500">{u.email}</p>
                    </td>
                    <td className="px-5 py-3.5">
                      <select
                        aria-label={`Role of ${u.email}`}
                        value={u.role}
                        disabled={self || update.isPending}
                        onChange={(e) => update.mutate({ userId: u.id, role: e.target.value as Role }, { onSuccess: () => void refresh() })}
                        className="rounded-md border-0 py-1.5 pr-8 pl-2.5 text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-500 disabled:bg-slate-50 disabled:text-slate-500"
                      >
                        {roles.map((r) => (
                          <option key={r} value={r}>
                            {roleLabels[r]}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td className="px-5 py-3.5">{u.disabled ? <Badge tone="red">Disabled</Badge> : <Badge tone="green">Active</Badge>}</td>
                    <td className="px-5 py-3.5 text-right whitespace-nowrap">
                      <Button variant="ghost" size="sm" onClick={() => setResetting({ id: u.id, name: u.name })}>
                        <KeyRound className="size-3.5" aria-hidden />
                        Reset password
                      </Button>
                      {self ? null : (
                        <Button
                          variant="ghost"
                          size="sm"
                          disabled={update.isPending}
                          onClick={() => update.mutate({ userId: u.id, disabled: !u.disabled }, { onSuccess: () => void refresh() })}
                        >
                          {u.disabled ? <UserCheck className="size-3.5" aria-hidden /> : <UserX className="size-3.5" aria-hidden />}
                          {u.disabled ? "Enable" : "Disable"}
                        </Button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Card>
      ) : null}
      <Dialog open={creating} onClose={() => setCreating(false)} title="New user" description="They sign in with this email and the initial password you give them.">
        <CreateUserForm onDone={() => setCreating(false)} />
      </Dialog>
      <Dialog open={resetting !== null} onClose={() => setResetting(null)} title={`Reset password for ${resetting?.name ?? ""}`} description="Their current sessions end; tell them the new password.">
        {resetting ? <ResetPasswordForm userId={resetting.id} onDone={() => setResetting(null)} /> : null}
      </Dialog>
    </>
  );
}

function CreateUserForm({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.users.create.mutationOptions());
  const [values, setValues] = useState({ name: "", email: "", role: "TECHNICIAN" as Role, password: "" });
  const errors = formErrorsOf(create.error, ["name", "email", "role", "password"]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    await create.mutateAsync(values);
    await queryClient.invalidateQueries({ queryKey: trpc.users.pathKey() });
    onDone();
  }

  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} className="space-y-5" noValidate>
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <TextField label="Name" name="name" autoFocus value={values.name} error={errors.fields.name} onChange={(e) => setValues({ ...values, name: e.target.value })} />
      <TextField label="Email" name="email" type="email" value={values.email} error={errors.fields.email} onChange={(e) => setValues({ ...values, email: e.target.value })} />
      <Field label="Role" error={errors.fields.role} hint={roleHelp[values.role]}>
        {(p) => (
          <select {...p} name="role" value={values.role} onChange={(e) => setValues({ ...values, role: e.target.value as Role })}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {roleLabels[r]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <TextField
        label="Initial password"
        name="password"
        type="password"
        autoComplete="new-password"
        hint="At least 10 characters. They can change it on their profile."
        value={values.password}
        error={errors.fields.password}
        onChange={(e) => setValues({ ...values, password: e.target.value })}
      />
      <div className="flex justify-end gap-2 border-t border-slate-200 pt-4">
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" disabled={create.isPending}>
          Create user
        </Button>
      </div>
    </form>
  );
}

function ResetPasswordForm({ userId, onDone }: { userId: string; onDone: () => void }) {
  const trpc = useTRPC();
  const reset = useMutation(trpc.users.resetPassword.mutationOptions());
  const [password, setPassword] = useState("");
  const errors = formErrorsOf(reset.error, ["password"]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    await reset.mutateAsync({ userId, password });
    onDone();
  }

  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} className="space-y-5" noValidate>
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <TextField
        label="New password"
        name="password"
        type="password"
        autoComplete="new-password"
        autoFocus
        hint="At least 10 characters."
        value={password}
        error={errors.fields.password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <div className="flex justify-end gap-2 border-t border-slate-200 pt-4">
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" disabled={reset.isPending}>
          Set password
        </Button>
      </div>
    </form>
  );
}
