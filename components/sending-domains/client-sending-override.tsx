"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { Field, TextField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";
import { Warning } from "./record-status";

type Override = {
  sendingDomain: { id: string; domain: string; displayName: string; verified: boolean } | null;
  address: string | null;
  name: string | null;
  domains: { id: string; domain: string; displayName: string; verified: boolean }[];
  tenantDefault: string | null;
};

const FIELDS = ["sendingDomainId", "sendingAddress", "sendingName"] as const;

/** Client → Settings → Email (R-DOM-4): the client's sending domain / address override, on a verified domain. */
export function ClientSendingOverride({ clientId, canEdit }: { clientId: string; canEdit: boolean }) {
  const trpc = useTRPC();
  const current = useQuery(trpc.clients.sendingOverride.queryOptions({ id: clientId }));
  return (
    <section aria-label="Email settings" className="mt-6">
      <Card>
        <CardHeader
          title="Settings → Email"
          description="The address replies on this client’s tickets are sent from, instead of your default support address. A technician’s own sending address still comes first."
        />
        {current.isError ? (
          <div className="px-5 py-4">
            <Alert>Could not load the email settings: {current.error.message}</Alert>
          </div>
        ) : current.data ? (
          canEdit ? (
            <OverrideForm clientId={clientId} data={current.data} />
          ) : (
            <OverrideSummary data={current.data} />
          )
        ) : (
          <p className="px-5 py-5 text-sm text-slate-500">Loading…</p>
        )}
      </Card>
    </section>
  );
}

function describe(data: Override): string {
  // Mid-sentence after "Replies are sent from" (B8): lower case.
  if (!data.sendingDomain) {
    return data.tenantDefault
      ? `the default support address, ${data.tenantDefault}.`
      : "your gateway address, until a default support address is set under Sending domains.";
  }
  if (data.address) return data.address;
  const local = data.tenantDefault?.split("@")[0] || "support";
  return `${local}@${data.sendingDomain.displayName}`;
}

function OverrideSummary({ data }: { data: Override }) {
  return (
    <div className="px-5 py-5 text-sm">
      <p className="text-slate-500">Replies are sent from</p>
      <p className="mt-1 font-medium text-slate-900" data-testid="client-sending-address">
        {describe(data)}
        {data.name ? <span className="font-normal text-slate-500"> as “{data.name}”</span> : null}
      </p>
    </div>
  );
}

function OverrideForm({ clientId, data }: { clientId: string; data: Override }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [domainId, setDomainId] = useState(data.sendingDomain?.id ?? "");
  const [address, setAddress] = useState(data.address ?? "");
  const [name, setName] = useState(data.name ?? "");
  const [saved, setSaved] = useState(false);
  const save = useMutation(trpc.clients.setSendingOverride.mutationOptions());
  const errors = formErrorsOf(save.error, FIELDS);
  const chosen = data.domains.find((d) => d.id === domainId);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    await save.mutateAsync({
      clientId,
      sendingDomainId: domainId || null,
      address: domainId ? address.trim() || null : null,
      name: domainId ? name.trim() || null : null,
    });
    if (!domainId) {
      setAddress("");
      setName("");
    }
    await queryClient.invalidateQueries({ queryKey: trpc.clients.sendingOverride.queryKey({ id: clientId }) });
    setSaved(true);
  }

  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="space-y-4 px-5 py-5">
      <div className="text-sm">
        <span className="text-slate-500">Replies are sent from </span>
        <span className="font-medium text-slate-900" data-testid="client-sending-address">
          {describe(data)}
        </span>
      </div>
      {data.sendingDomain && !data.sendingDomain.verified ? (
        <Warning>
          {data.sendingDomain.displayName} is no longer verified: replies on this client’s tickets are refused until it verifies again or
          the override is removed.
        </Warning>
      ) : null}
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      {saved && !save.error ? <Alert tone="success">The client’s email settings are saved.</Alert> : null}
      <div className="grid gap-4 md:grid-cols-3">
        <Field
          label="Sending domain"
          error={errors.fields.sendingDomainId}
          hint={
            data.domains.length ? (
              "Only verified domains can be used."
            ) : (
              <>
                No sending domains yet: <Link href="/settings/email-gateway/sending-domains" className="text-indigo-600 hover:underline">add one</Link>.
              </>
            )
          }
        >
          {(p) => (
            <select {...p} name="sendingDomainId" value={domainId} onChange={(e) => setDomainId(e.target.value)}>
              <option value="">Default support address</option>
              {data.domains.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.displayName}
                  {d.verified ? "" : " (not verified)"}
                </option>
              ))}
            </select>
          )}
        </Field>
        <TextField
          label="Address (optional)"
          name="sendingAddress"
          type="email"
          autoComplete="off"
          spellCheck={false}
          disabled={!domainId}
          placeholder={chosen ? `help@${chosen.displayName}` : ""}
          value={address}
          onChange={(e) => setAddress(e.target.value)}
          error={errors.fields.sendingAddress}
          hint={chosen ? `On ${chosen.displayName}; empty keeps your default mailbox name.` : "Choose a domain first."}
        />
        <TextField
          label="Sender name (optional)"
          name="sendingName"
          maxLength={100}
          disabled={!domainId}
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.fields.sendingName}
        />
      </div>
      <div className="flex items-center justify-end gap-3">
        {data.sendingDomain?.verified ? <Badge tone="green">Override active</Badge> : null}
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save email settings"}
        </Button>
      </div>
    </form>
  );
}
