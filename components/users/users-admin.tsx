"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound, Mail, Plus, Send, UserCheck, UserX } from "lucide-react";
import { useState, type FormEvent } from "react";
import { roleDescriptions, roleLabels, roles, type Role } from "@/server/users/roles";
import { authClient, SET_PASSWORD_PATH } from "../auth/auth-client";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { Dialog } from "../ui/dialog";
import { Field, TextField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { PageHeader } from "../ui/page-header";
import { useTRPC } from "../trpc/client";

/** better-auth mails the invitation: a reset-password link, worded as an invitation while the user has no password. */
async function sendInvitation(email: string): Promise<string | null> {
  const { error } = await authClient.requestPasswordReset({ email, redirectTo: SET_PASSWORD_PATH });
  return error ? (error.status === 429 ? "Too many requests; wait a minute and send it again." : "The invitation mail could not be queued.") : null;
}

export function UsersAdmin({ currentUserId }: { currentUserId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const update = useMutation(trpc.users.update.mutationOptions());
  const [creating, setCreating] = useState(false);
  const [inviting, setInviting] = useState(false);
  const [notice, setNotice] = useState<{ tone: "success" | "error"; text: string } | null>(null);
  const [resetting, setResetting] = useState<{ id: string; name: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.pathKey() });

  return (
    <>
      <PageHeader
        title="Users"
        description="People of your team who sign in to OpsMerge. There is no sign-up: you invite them here."
        actions={
          <div className="flex gap-2">
            <Button variant="secondary" onClick={() => setCreating(true)}>
              <Plus className="size-4" aria-hidden />
              New user with password
            </Button>
            <Button onClick={() => setInviting(true)}>
              <Mail className="size-4" aria-hidden />
              Invite user
            </Button>
          </div>
        }
      />
      <RolesAndPolicy />
      {notice ? (
        <div className="mb-4">
          <Alert tone={notice.tone}>{notice.text}</Alert>
        </div>
      ) : null}
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
                    <td className="px-5 py-3.5">
                      <span className="flex flex-wrap gap-1.5">
                        {u.disabled ? <Badge tone="red">Disabled</Badge> : u.invited ? <Badge tone="amber">Invited</Badge> : <Badge tone="green">Active</Badge>}
                        {u.twoFactorEnabled ? <Badge tone="indigo">Two-factor</Badge> : null}
                      </span>
                    </td>
                    <td className="px-5 py-3.5 text-right whitespace-nowrap">
                      {u.invited && !u.disabled ? (
                        <Button
                          variant="ghost"
                          size="sm"
                          onClick={() =>
                            void sendInvitation(u.email).then((failed) =>
                              setNotice(failed ? { tone: "error", text: failed } : { tone: "success", text: `Invitation sent again to ${u.email}.` }),
                            )
                          }
                        >
                          <Send className="size-3.5" aria-hidden />
                          Resend invitation
                        </Button>
                      ) : null}
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
      <Dialog
        open={inviting}
        onClose={() => setInviting(false)}
        title="Invite user"
        description="They get an email with a link to choose their password. The link works once, for 72 hours."
      >
        <InviteUserForm
          onDone={(text) => {
            setInviting(false);
            setNotice(text);
          }}
          onCancel={() => setInviting(false)}
        />
      </Dialog>
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
      <UserFields values={values} errors={errors.fields} onChange={(v) => setValues({ ...values, ...v })} />
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

/** The three roles in one line each, and the tenant's two-factor rule. */
function RolesAndPolicy() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const policy = useQuery(trpc.users.twoFactorPolicy.queryOptions());
  const setPolicy = useMutation(trpc.users.setTwoFactorPolicy.mutationOptions());
  return (
    <div className="mb-6 grid gap-4 lg:grid-cols-2">
      <Card>
        <CardHeader title="Roles" />
        <dl className="space-y-2 px-5 py-4 text-sm">
          {roles.map((r) => (
            <div key={r} className="flex gap-2">
              <dt className="w-28 shrink-0 font-medium text-slate-900">{roleLabels[r]}</dt>
              <dd className="text-slate-600">{roleDescriptions[r]}</dd>
            </div>
          ))}
        </dl>
      </Card>
      <Card>
        <CardHeader title="Two-factor sign-in" description="Users set it up on their profile with an authenticator app." />
        <div className="space-y-2 px-5 py-4 text-sm">
          {policy.isPending ? <p className="text-slate-500">Loading…</p> : null}
          {policy.isError ? <Alert>Could not load the setting: {policy.error.message}</Alert> : null}
          {policy.data ? (
            <label className="flex items-start gap-2.5">
              <input
                type="checkbox"
                className="mt-0.5 size-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-500"
                checked={policy.data.required}
                disabled={setPolicy.isPending}
                onChange={(e) =>
                  setPolicy.mutate(
                    { required: e.target.checked },
                    { onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.users.pathKey() }) },
                  )
                }
              />
              <span>
                <span className="font-medium text-slate-900">Require two-factor sign-in for everyone</span>
                <span className="block text-slate-500">Users without it (you too) are led to set it up at their next page load or sign-in.</span>
              </span>
            </label>
          ) : null}
          {setPolicy.error ? <Alert>{setPolicy.error.message}</Alert> : null}
        </div>
      </Card>
    </div>
  );
}

function InviteUserForm({ onDone, onCancel }: { onDone: (notice: { tone: "success" | "error"; text: string }) => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invite = useMutation(trpc.users.invite.mutationOptions());
  const [values, setValues] = useState({ name: "", email: "", role: "TECHNICIAN" as Role });
  const errors = formErrorsOf(invite.error, ["name", "email", "role"]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const user = await invite.mutateAsync(values);
    await queryClient.invalidateQueries({ queryKey: trpc.users.pathKey() });
    const failed = await sendInvitation(user.email);
    onDone(
      failed
        ? { tone: "error", text: `${user.name} was added, but ${failed} Use Resend invitation.` }
        : { tone: "success", text: `Invitation sent to ${user.email}.` },
    );
  }

  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} className="space-y-5" noValidate>
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <UserFields values={values} errors={errors.fields} onChange={(v) => setValues({ ...values, ...v })} />
      <div className="flex justify-end gap-2 border-t border-slate-200 pt-4">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" disabled={invite.isPending}>
          Send invitation
        </Button>
      </div>
    </form>
  );
}

type UserFieldValues = { name: string; email: string; role: Role };

/** Name, email and role: the fields of a new user, invited or created with a password. */
function UserFields({ values, errors, onChange }: { values: UserFieldValues; errors: Partial<Record<string, string>>; onChange: (v: Partial<UserFieldValues>) => void }) {
  return (
    <>
      <TextField label="Name" name="name" autoFocus value={values.name} error={errors.name} onChange={(e) => onChange({ name: e.target.value })} />
      <TextField label="Email" name="email" type="email" value={values.email} error={errors.email} onChange={(e) => onChange({ email: e.target.value })} />
      <Field label="Role" error={errors.role} hint={roleDescriptions[values.role]}>
        {(p) => (
          <select {...p} name="role" value={values.role} onChange={(e) => onChange({ role: e.target.value as Role })}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {roleLabels[r]}
              </option>
            ))}
          </select>
        )}
      </Field>
    </>
  );
}
