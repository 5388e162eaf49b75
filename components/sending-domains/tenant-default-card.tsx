"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { TextField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";

const FIELDS = ["defaultFromAddress", "defaultFromName"] as const;

/** The tenant's client-facing support address (R-DOM-4): the From of replies unless a user or client overrides it. */
export function TenantDefaultCard() {
  const trpc = useTRPC();
  const current = useQuery(trpc.sendingDomains.tenantDefault.queryOptions());
  return (
    <section aria-label="Default support address" className="mt-8">
      <Card>
        <CardHeader
          title="Default support address"
          description="The From address of ticket replies, unless the technician has their own sending address or the client has an override. It must be on a verified sending domain."
        />
        {current.isError ? (
          <div className="px-5 py-4">
            <Alert>Could not load the default support address: {current.error.message}</Alert>
          </div>
        ) : current.data ? (
          <TenantDefaultForm
            address={current.data.address ?? ""}
            name={current.data.name ?? ""}
            tenantName={current.data.tenantName}
            verifiedDomains={current.data.verifiedDomains.map((d) => d.displayName)}
          />
        ) : (
          <p className="px-5 py-5 text-sm text-slate-500">Loading…</p>
        )}
      </Card>
    </section>
  );
}

function TenantDefaultForm(props: { address: string; name: string; tenantName: string; verifiedDomains: string[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [address, setAddress] = useState(props.address);
  const [name, setName] = useState(props.name);
  const [saved, setSaved] = useState(false);
  const save = useMutation(trpc.sendingDomains.setTenantDefault.mutationOptions());
  const errors = formErrorsOf(save.error, FIELDS);
  const unchanged = address.trim() === props.address && name.trim() === props.name;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    await save.mutateAsync({ address, name: name.trim() || null });
    await queryClient.invalidateQueries({ queryKey: trpc.sendingDomains.tenantDefault.queryKey() });
    setSaved(true);
  }

  const domains = props.verifiedDomains;
  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="space-y-4 px-5 py-5">
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      {saved && !save.error ? <Alert tone="success">The default support address is saved.</Alert> : null}
      <div className="grid gap-4 md:grid-cols-2">
        <TextField
          label="Support address"
          name="defaultFromAddress"
          type="email"
          autoComplete="off"
          spellCheck={false}
          placeholder={domains[0] ? `support@${domains[0]}` : "support@your-msp.co.uk"}
          value={address}
          onChange={(e) => setAddress(e.target.value)}
          error={errors.fields.defaultFromAddress}
          hint={
            domains.length
              ? `On a verified domain: ${domains.join(", ")}.`
              : "No domain is verified yet: add one above and verify its records first."
          }
        />
        <TextField
          label="Sender name (optional)"
          name="defaultFromName"
          placeholder={props.tenantName}
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.fields.defaultFromName}
          hint={`Shown to clients as the sender; “${props.tenantName}” when empty.`}
        />
      </div>
      <div className="flex justify-end">
        <Button type="submit" disabled={save.isPending || unchanged || address.trim() === ""}>
          {save.isPending ? "Saving…" : "Save support address"}
        </Button>
      </div>
    </form>
  );
}
