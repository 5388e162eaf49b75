"use client";
import { useQuery } from "@tanstack/react-query";
import { Alert } from "../ui/alert";
import { Card, CardHeader } from "../ui/card";
import { CopyButton } from "../ui/copy-button";
import { useTRPC } from "../trpc/client";

/**
 * The gateway address (R-UX-1): replies go out from `support@<slug>.<INBOUND_DOMAIN>` until a verified domain is the
 * default support address. The records are the operator's, published once for INBOUND_DOMAIN; shown here so whoever
 * runs the gateway can copy them.
 */
export function GatewayRecordsCard() {
  const trpc = useTRPC();
  const records = useQuery(trpc.sendingDomains.gatewayRecords.queryOptions());
  return (
    <section aria-label="Gateway address records" className="mt-8">
      <Card>
        <CardHeader
          title="Gateway address"
          description={
            records.data
              ? `Until a verified domain is your default support address, replies go out from your address on ${records.data.domain}, signed with the gateway's own DKIM key. Whoever runs the gateway publishes these records once for ${records.data.domain}.`
              : "Until a verified domain is your default support address, replies go out from your gateway address, signed with the gateway's own DKIM key."
          }
        />
        {records.isError ? (
          <div className="px-5 py-4">
            <Alert>Could not load the gateway records: {records.error.message}</Alert>
          </div>
        ) : records.data ? (
          <dl className="divide-y divide-slate-100 text-sm">
            {[records.data.spf, records.data.dkim, records.data.dmarc].map((r) => (
              <div key={r.kind} className="grid gap-2 px-5 py-3 sm:grid-cols-[5rem_1fr_auto] sm:items-start" data-testid={`gateway-record-${r.kind.toLowerCase()}`}>
                <dt className="pt-1.5 font-medium text-slate-500">{r.kind}</dt>
                <dd className="min-w-0">
                  <p className="font-mono text-xs break-all text-slate-900" data-testid="record-host">
                    {r.host} <span className="text-slate-500">TXT</span>
                  </p>
                  <code
                    className="mt-1 block rounded-md bg-slate-50 px-3 py-2 font-mono text-xs leading-relaxed break-all text-slate-900 ring-1 ring-slate-200 ring-inset"
                    data-testid="record-value"
                  >
                    {r.value}
                  </code>
                </dd>
                <dd className="flex gap-2">
                  <CopyButton value={r.host} label="Copy host" ariaLabel={`Copy gateway ${r.kind} host`} />
                  <CopyButton value={r.value} ariaLabel={`Copy gateway ${r.kind} value`} />
                </dd>
              </div>
            ))}
          </dl>
        ) : (
          <p className="px-5 py-5 text-sm text-slate-500">Loading…</p>
        )}
      </Card>
    </section>
  );
}
