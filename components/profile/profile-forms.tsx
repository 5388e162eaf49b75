"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
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

/** Profile → Email → Default sending address (R-DOM-4): the From of this user's replies, on a verified domain. */
export function SendAsForm() {
  const trpc = useTRPC();
  const current = useQuery(trpc.profile.sendAs.queryOptions());
  return (
    <section aria-label="Default sending address">
      <Card>
        <CardHeader
          title="Email → Default sending address"
          description="The From address of the replies you write, whichever client the ticket belongs to."
        />
        {current.isError ? (
          <div className="px-5 py-4">
            <Alert>Could not load your sending address: {current.error.message}</Alert>
          </div>
        ) : current.data ? (
          <SendAsFields
            address={current.data.address ?? ""}
            name={current.data.name ?? ""}
            userName={current.data.userName}
            domains={current.data.verifiedDomains.map((d) => d.displayName)}
            fallback={current.data.tenantDefault}
          />
        ) : (
          <p className="px-5 py-5 text-sm text-slate-500">Loading…</p>
        )}
      </Card>
    </section>
  );
}

function SendAsFields(props: { address: string; name: string; userName: string; domains: string[]; fallback: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [address, setAddress] = useState(props.address);
  const [name, setName] = useState(props.name);
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation(trpc.profile.setSendAs.mutationOptions());
  const errors = formErrorsOf(save.error, ["sendAsAddress", "sendAsName"]);
  const unchanged = address.trim() === props.address && name.trim() === props.name;

  async function store(value: string | null) {
    setSaved(null);
    await save.mutateAsync({ address: value, name: value ? name.trim() || null : null });
    if (!value) {
      setAddress("");
      setName("");
    }
    await queryClient.invalidateQueries({ queryKey: trpc.profile.sendAs.queryKey() });
    setSaved(value ? "Your sending address is saved." : "Cleared: your replies use the default address.");
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    void store(address.trim() || null).catch(() => undefined);
  }

  const fallback = props.fallback
    ? `Without one, your replies go out from the client’s address or ${props.fallback}.`
    : "Without one, your replies go out from the client’s address or the team’s default support address.";
  return (
    <form onSubmit={submit} noValidate className="space-y-5 px-5 py-5">
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      {saved && !save.error ? <Alert tone="success">{saved}</Alert> : null}
      <TextField
        label="Sending address"
        name="sendAsAddress"
        type="email"
        autoComplete="off"
        spellCheck={false}
        placeholder={props.domains[0] ? `you@${props.domains[0]}` : "you@your-msp.co.uk"}
        value={address}
        onChange={(e) => setAddress(e.target.value)}
        error={errors.fields.sendAsAddress}
        hint={
          props.domains.length
            ? `On a verified sending domain: ${props.domains.join(", ")}. ${fallback}`
            : `No sending domain is verified yet; an admin adds and verifies one under Settings → Email gateway → Sending domains. ${fallback}`
        }
      />
      <TextField
        label="Sender name (optional)"
        name="sendAsName"
        placeholder={props.userName}
        maxLength={100}
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={errors.fields.sendAsName}
        hint={`Shown as the sender; “${props.userName}” when empty.`}
      />
      <div className="flex justify-end gap-2">
        {props.address ? (
          <Button variant="secondary" disabled={save.isPending} onClick={() => void store(null).catch(() => undefined)}>
            Clear
          </Button>
        ) : null}
        <Button type="submit" disabled={save.isPending || unchanged || address.trim() === ""}>
          {save.isPending ? "Saving…" : "Set sending address"}
        </Button>
      </div>
    </form>
  );
}
