"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ChevronRight, Globe2, Plus } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { Dialog } from "../ui/dialog";
import { TextField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { PageHeader } from "../ui/page-header";
import { useTRPC } from "../trpc/client";
import { GatewayRecordsCard } from "./gateway-records-card";
import { RecordStatusBadge, when } from "./record-status";
import { TenantDefaultCard } from "./tenant-default-card";

export const SENDING_DOMAINS_PATH = "/settings/email-gateway/sending-domains";

/** R-DOM-1: the tenant's sending domains with each record's status, + Add domain, and the default support address. */
export function SendingDomainsScreen() {
  const trpc = useTRPC();
  const [adding, setAdding] = useState(false);
  /** The add request is running: the dialog stays until it ends (B4: Esc used to hide a domain still being made). */
  const [creating, setCreating] = useState(false);
  const domains = useQuery(trpc.sendingDomains.list.queryOptions());

  return (
    <>
      <PageHeader
        title="Sending domains"
        description="The domains your ticket replies are sent from. Publish the SPF, DKIM and DMARC records we generate for each, then verify them: only verified domains can be used as a From address."
        actions={
          <Button onClick={() => setAdding(true)}>
            <Plus className="size-4" aria-hidden />
            Add domain
          </Button>
        }
      />

      {domains.isError ? <Alert>Could not load the sending domains: {domains.error.message}</Alert> : null}
      {domains.isPending ? <ListSkeleton /> : null}
      {domains.data && domains.data.length === 0 ? (
        <Card className="px-6 py-14 text-center">
          <Globe2 className="mx-auto size-10 text-slate-300" aria-hidden />
          <h2 className="mt-3 text-sm font-semibold text-slate-900">No sending domains yet</h2>
          <p className="mx-auto mt-1 max-w-md text-sm text-slate-500">
            Add the domain of your support address (for example your-msp.co.uk). We generate its DKIM key and show the records to publish.
          </p>
          <Button className="mt-4" onClick={() => setAdding(true)}>
            <Plus className="size-4" aria-hidden />
            Add domain
          </Button>
        </Card>
      ) : null}
      {domains.data && domains.data.length > 0 ? (
        <Card className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Sending domains">
            <thead className="bg-slate-50">
              <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
                <th scope="col" className="px-5 py-3">Domain</th>
                <th scope="col" className="px-5 py-3">Status</th>
                <th scope="col" className="px-5 py-3">Records</th>
                <th scope="col" className="px-5 py-3">Last checked</th>
                <th scope="col" className="px-5 py-3">
                  <span className="sr-only">Open</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {domains.data.map((d) => (
                <tr key={d.id} className="align-top hover:bg-slate-50" data-testid="sending-domain-row">
                  <td className="px-5 py-3.5">
                    <Link href={`${SENDING_DOMAINS_PATH}/${d.id}`} className="font-medium text-slate-900 hover:text-indigo-600">
                      {d.displayName}
                    </Link>
                    {d.displayName !== d.domain ? <div className="font-mono text-xs text-slate-500">{d.domain}</div> : null}
                    <div className="text-xs text-slate-500">
                      DKIM selector <span className="font-mono">{d.selector}</span>
                      {d.clientCount > 0 ? ` · used by ${d.clientCount} ${d.clientCount === 1 ? "client" : "clients"}` : ""}
                    </div>
                  </td>
                  <td className="px-5 py-3.5">
                    {d.drift ? (
                      <div className="max-w-xs" data-testid="sending-domain-drift">
                        <Badge tone="red">Records changed</Badge>
                        <p className="mt-1 text-xs text-red-700">
                          Verified before, failing since {when(d.drift.at)}: {d.drift.records.join("; ")}.
                        </p>
                      </div>
                    ) : d.verified ? (
                      <Badge tone="green">Verified</Badge>
                    ) : d.lastCheckedAt ? (
                      <Badge tone="amber" className="whitespace-nowrap">Not verified</Badge>
                    ) : (
                      <Badge className="whitespace-nowrap">Waiting for records</Badge>
                    )}
                  </td>
                  <td className="px-5 py-3.5">
                    <div className="flex flex-wrap gap-1.5">
                      <RecordStatusBadge prefix="SPF" status={d.spfStatus} />
                      <RecordStatusBadge prefix="DKIM" status={d.dkimStatus} />
                      <RecordStatusBadge prefix="DMARC" status={d.dmarcStatus} />
                    </div>
                  </td>
                  <td className="px-5 py-3.5 whitespace-nowrap text-slate-600">
                    {d.lastCheckedAt ? when(d.lastCheckedAt) : <span className="text-slate-400">Never</span>}
                  </td>
                  <td className="px-5 py-3.5 text-right">
                    <Link
                      href={`${SENDING_DOMAINS_PATH}/${d.id}`}
                      className="inline-flex items-center gap-1 text-sm font-medium whitespace-nowrap text-indigo-600 hover:text-indigo-500"
                      aria-label={`Records of ${d.displayName}`}
                    >
                      Records
                      <ChevronRight className="size-4" aria-hidden />
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="border-t border-slate-200 bg-slate-50 px-5 py-2.5 text-xs text-slate-500">
            {domains.data.length} sending {domains.data.length === 1 ? "domain" : "domains"} · records are re-checked every few hours and
            changes are flagged here
          </p>
        </Card>
      ) : null}

      <TenantDefaultCard />
      <GatewayRecordsCard />

      <Dialog
        open={adding}
        onClose={() => setAdding(false)}
        busy={creating}
        title="Add a sending domain"
        description="We generate a DKIM key for it (the private key stays encrypted on the server) and show the records to publish."
      >
        <AddDomainForm onClose={() => setAdding(false)} onPendingChange={setCreating} />
      </Dialog>
    </>
  );
}

function AddDomainForm({ onClose, onPendingChange }: { onClose: () => void; onPendingChange: (pending: boolean) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [domain, setDomain] = useState("");
  const add = useMutation(trpc.sendingDomains.add.mutationOptions());
  const errors = formErrorsOf(add.error, ["domain"]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    onPendingChange(true);
    try {
      const created = await add.mutateAsync({ domain });
      await queryClient.invalidateQueries({ queryKey: trpc.sendingDomains.list.queryKey() });
      router.push(`${SENDING_DOMAINS_PATH}/${created.id}`);
    } finally {
      onPendingChange(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="space-y-5">
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <TextField
        label="Domain"
        name="domain"
        autoFocus
        autoComplete="off"
        spellCheck={false}
        placeholder="your-msp.co.uk"
        value={domain}
        onChange={(e) => setDomain(e.target.value)}
        error={errors.fields.domain}
        hint="The part after @ in the address replies go out from. International names (bücher.de) are fine."
      />
      <div className="flex justify-end gap-2 border-t border-slate-200 pt-4">
        {add.isPending ? (
          <p role="status" className="mr-auto self-center text-xs text-slate-500">
            Creating the domain: this cannot be cancelled.
          </p>
        ) : null}
        <Button variant="secondary" onClick={onClose} disabled={add.isPending}>
          Cancel
        </Button>
        <Button type="submit" disabled={add.isPending || domain.trim() === ""}>
          {add.isPending ? "Generating the DKIM key…" : "Add domain"}
        </Button>
      </div>
    </form>
  );
}

function ListSkeleton() {
  return (
    <Card className="divide-y divide-slate-100" aria-busy>
      <span className="sr-only">Loading the sending domains…</span>
      {[0, 1].map((i) => (
        <div key={i} className="flex animate-pulse items-center gap-6 px-5 py-4">
          <div className="h-3.5 w-40 rounded bg-slate-200" />
          <div className="h-3.5 w-56 rounded bg-slate-100" />
        </div>
      ))}
    </Card>
  );
}
