"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Loader2, RefreshCw, Trash2 } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { CopyButton } from "../ui/copy-button";
import { PageHeader } from "../ui/page-header";
import { useTRPC } from "../trpc/client";
import { RecordStatusBadge, StatusIcon, Warning, when, type RecordStatus } from "./record-status";
import { SENDING_DOMAINS_PATH } from "./sending-domains-screen";

type PublishedRecord = {
  kind: "SPF" | "DKIM" | "DMARC";
  host: string;
  relativeHost: string;
  type: "TXT";
  value: string;
  chunks: string[];
  required: boolean;
  note?: string;
};

type RecordCheck = { status: "verified" | "missing" | "wrong"; host: string; expected: string; found: string[]; message: string };

const PURPOSE: Record<PublishedRecord["kind"], string> = {
  SPF: "Authorises the gateway to send mail for the domain.",
  DKIM: "The public half of the key the gateway signs your mail with.",
  DMARC: "Tells receivers what to do with mail that fails SPF and DKIM, and where to send reports.",
};

/** R-DOM-1…3: one sending domain's records to publish, Verify with per-record results, and Remove. */
export function SendingDomainDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const details = useQuery(trpc.sendingDomains.get.queryOptions({ id }));
  const verify = useMutation(trpc.sendingDomains.verify.mutationOptions());
  const remove = useMutation(trpc.sendingDomains.remove.mutationOptions());
  const [removing, setRemoving] = useState(false);

  const breadcrumb = (
    <Link href={SENDING_DOMAINS_PATH} className="hover:text-slate-700">
      ← Sending domains
    </Link>
  );
  if (details.isPending) {
    return (
      <div aria-busy className="animate-pulse space-y-4">
        <span className="sr-only">Loading the domain’s records…</span>
        <div className="h-7 w-64 rounded bg-slate-200" />
        <div className="h-48 rounded-xl bg-white ring-1 ring-slate-200" />
        <div className="h-48 rounded-xl bg-white ring-1 ring-slate-200" />
      </div>
    );
  }
  if (details.isError) {
    return (
      <>
        <PageHeader title="Sending domain" breadcrumb={breadcrumb} />
        <Alert>
          {details.error.data?.code === "NOT_FOUND" ? "This sending domain does not exist (or was removed)." : details.error.message}
        </Alert>
      </>
    );
  }

  const { domain: d, records, check, spfLookupProblem, usedBy } = details.data;
  const checking = verify.isPending;

  async function runVerify() {
    await verify.mutateAsync({ id });
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.sendingDomains.get.queryKey({ id }) }),
      queryClient.invalidateQueries({ queryKey: trpc.sendingDomains.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.sendingDomains.tenantDefault.queryKey() }),
    ]);
  }

  return (
    <>
      <PageHeader
        title={d.displayName}
        breadcrumb={breadcrumb}
        description={
          <>
            Publish these three records at your DNS provider, then click <strong className="font-medium">Verify</strong>. DNS changes can
            take a few minutes to appear.
            {d.displayName !== d.domain ? (
              <>
                {" "}
                In DNS the domain is written <span className="font-mono">{d.domain}</span>.
              </>
            ) : null}
          </>
        }
        actions={
          <>
            <Button onClick={() => void runVerify().catch(() => undefined)} disabled={checking} aria-busy={checking}>
              {checking ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <RefreshCw className="size-4" aria-hidden />}
              {checking ? "Checking DNS…" : "Verify"}
            </Button>
            <Button
              variant="secondary"
              onClick={() => {
                remove.reset();
                setRemoving(true);
              }}
            >
              <Trash2 className="size-4 text-red-500" aria-hidden />
              Remove
            </Button>
          </>
        }
      />

      <section aria-label="Verification" className="mb-6">
        <Card className="px-5 py-4">
          <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm">
            {d.verified ? (
              <Badge tone="green">Verified</Badge>
            ) : d.drift ? (
              <Badge tone="red">Records changed</Badge>
            ) : (
              <Badge tone={d.lastCheckedAt ? "amber" : "slate"}>Not verified</Badge>
            )}
            <span className="text-slate-600" data-testid="last-checked">
              {checking ? "Checking DNS now…" : d.lastCheckedAt ? `Last checked ${when(d.lastCheckedAt)}` : "Not checked yet"}
            </span>
            <span className="text-slate-500">
              {d.verified
                ? "Replies can be sent from addresses on this domain."
                : "SPF and DKIM must both verify before addresses on this domain can be used as From."}
            </span>
          </div>
          {d.drift ? (
            <div className="mt-3">
              <Alert>
                This domain was verified, but its records changed (noticed {when(d.drift.at)}): {d.drift.records.join("; ")}. Replies from it are
                refused until it verifies again.
              </Alert>
            </div>
          ) : null}
          {verify.error ? (
            <div className="mt-3">
              <Alert>{verify.error.message}</Alert>
            </div>
          ) : null}
        </Card>
      </section>

      {spfLookupProblem || records.warnings.length ? (
        <div className="mb-6 space-y-2">
          {spfLookupProblem ? <Warning>{spfLookupProblem}</Warning> : null}
          {records.warnings.map((w) => (
            <Warning key={w}>{w}</Warning>
          ))}
        </div>
      ) : null}

      <div className="space-y-6">
        {[records.spf, records.dkim, records.dmarc].map((r) => (
          <RecordCard
            key={r.kind}
            record={r}
            check={check ? check[r.kind.toLowerCase() as "spf" | "dkim" | "dmarc"] : null}
            stored={d[`${r.kind.toLowerCase() as "spf" | "dkim" | "dmarc"}Status`]}
            checking={checking}
            lookups={r.kind === "SPF" ? records.spfLookups?.lookups : undefined}
          />
        ))}
      </div>

      <ConfirmDialog
        open={removing}
        title={`Remove ${d.displayName}?`}
        confirmLabel="Remove domain"
        pending={remove.isPending}
        error={remove.error?.message}
        onClose={() => setRemoving(false)}
        onConfirm={() =>
          remove.mutate(
            { id },
            {
              onSuccess: () => {
                void queryClient.invalidateQueries({ queryKey: trpc.sendingDomains.pathKey() });
                router.push(SENDING_DOMAINS_PATH);
              },
            },
          )
        }
      >
        <p>Its DKIM key is deleted and replies can no longer be sent from it. You can remove its records from DNS afterwards.</p>
        {usedBy.tenantDefault || usedBy.clients || usedBy.users ? (
          <Warning>
            It is in use:
            {usedBy.tenantDefault ? " your default support address is on it;" : ""}
            {usedBy.clients ? ` ${usedBy.clients} ${usedBy.clients === 1 ? "client uses" : "clients use"} it as their sending domain (they fall back to the default);` : ""}
            {usedBy.users ? ` ${usedBy.users} ${usedBy.users === 1 ? "person sends" : "people send"} as an address on it;` : ""} replies from
            those addresses will be refused until they are changed.
          </Warning>
        ) : null}
      </ConfirmDialog>
    </>
  );
}

function RecordCard({
  record: r,
  check,
  stored,
  checking,
  lookups,
}: {
  record: PublishedRecord;
  check: RecordCheck | null;
  stored: RecordStatus;
  checking: boolean;
  lookups: number | undefined;
}) {
  const status: RecordStatus = check?.status ?? stored;
  const quoted = r.chunks.map((c) => `"${c}"`).join(" ");
  return (
    <section aria-label={`${r.kind} record`} data-testid={`record-${r.kind.toLowerCase()}`}>
      <Card className="overflow-hidden">
        <CardHeader
          title={`${r.kind} record`}
          description={PURPOSE[r.kind]}
          actions={
            <div className="flex shrink-0 items-center gap-2">
              <Badge tone={r.required ? "indigo" : "slate"}>{r.required ? "Required" : "Recommended"}</Badge>
              {checking ? (
                <Badge className="gap-1">
                  <Loader2 className="size-3 animate-spin" aria-hidden />
                  Checking…
                </Badge>
              ) : (
                <span data-testid="record-status">
                  <RecordStatusBadge status={status} />
                </span>
              )}
            </div>
          }
        />
        <dl className="divide-y divide-slate-100 text-sm">
          <div className="grid gap-2 px-5 py-3 sm:grid-cols-[7rem_1fr_auto] sm:items-center">
            <dt className="font-medium text-slate-500">Host</dt>
            <dd className="min-w-0">
              <span className="font-mono text-slate-900" data-testid="record-host">
                {r.relativeHost}
              </span>
              <span className="ml-2 text-xs text-slate-500">
                full name <span className="font-mono break-all">{r.host}</span>
              </span>
            </dd>
            <dd>
              <CopyButton value={r.relativeHost} ariaLabel={`Copy ${r.kind} host`} />
            </dd>
          </div>
          <div className="grid gap-2 px-5 py-3 sm:grid-cols-[7rem_1fr_auto] sm:items-center">
            <dt className="font-medium text-slate-500">Type</dt>
            <dd className="font-mono text-slate-900">{r.type}</dd>
            <dd />
          </div>
          <div className="grid gap-2 px-5 py-3 sm:grid-cols-[7rem_1fr_auto] sm:items-start">
            <dt className="pt-1.5 font-medium text-slate-500">Value</dt>
            <dd className="min-w-0">
              <code
                className="block rounded-md bg-slate-50 px-3 py-2 font-mono text-xs leading-relaxed break-all text-slate-900 ring-1 ring-slate-200 ring-inset"
                data-testid="record-value"
              >
                {r.value}
              </code>
              {r.note ? <p className="mt-1.5 text-xs text-slate-500">{r.note}</p> : null}
              {lookups !== undefined ? (
                <p className="mt-1 text-xs text-slate-500">
                  {lookups} of 10 DNS lookups used (includes counted with what they include).
                </p>
              ) : null}
            </dd>
            <dd>
              <CopyButton value={r.value} ariaLabel={`Copy ${r.kind} value`} />
            </dd>
          </div>
          {r.chunks.length > 1 ? (
            <div className="px-5 py-3">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <dt className="font-medium text-slate-500">Split into strings of at most 255 characters</dt>
                <CopyButton value={quoted} label="Copy as quoted strings" ariaLabel={`Copy ${r.kind} value as quoted strings`} />
              </div>
              <dd>
                <p className="mt-1 text-xs text-slate-500">
                  For DNS providers that want a long TXT value as several strings: enter them in this order, in one record.
                </p>
                <ol className="mt-2 space-y-2" aria-label={`${r.kind} value in 255-character strings`}>
                  {r.chunks.map((c, i) => (
                    <li key={i} className="flex items-start gap-2">
                      <span className="w-5 pt-2 text-right text-xs text-slate-400 tabular-nums">{i + 1}</span>
                      <code className="block min-w-0 flex-1 rounded-md bg-slate-50 px-3 py-2 font-mono text-xs break-all text-slate-900 ring-1 ring-slate-200 ring-inset">
                        {c}
                      </code>
                      <CopyButton value={c} ariaLabel={`Copy ${r.kind} string ${i + 1}`} />
                    </li>
                  ))}
                </ol>
              </dd>
            </div>
          ) : null}
        </dl>
        {check && !checking ? <CheckResult check={check} /> : null}
      </Card>
    </section>
  );
}

function CheckResult({ check }: { check: RecordCheck }) {
  const tone =
    check.status === "verified"
      ? "bg-emerald-50/60 text-emerald-900"
      : check.status === "wrong"
        ? "bg-red-50/70 text-red-900"
        : "bg-amber-50/70 text-amber-900";
  return (
    <div className={`border-t border-slate-200 px-5 py-3 text-sm ${tone}`} data-testid="record-check">
      <p className="flex items-start gap-2">
        <StatusIcon status={check.status} className="mt-0.5" />
        <span>{check.message}.</span>
      </p>
      {check.status !== "verified" ? (
        check.found.length ? (
          <div className="mt-2 pl-6">
            <p className="text-xs font-medium">Found at {check.host}:</p>
            <ul className="mt-1 space-y-1">
              {check.found.map((f, i) => (
                <li key={i} className="font-mono text-xs break-all opacity-90">
                  {f}
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <p className="mt-1 pl-6 text-xs">Nothing found at {check.host}.</p>
        )
      ) : null}
    </div>
  );
}
