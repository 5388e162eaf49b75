"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { BadgeCheck, History, Lock, RefreshCw, ShieldCheck } from "lucide-react";
import { useState } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { CopyButton } from "../ui/copy-button";
import { PageHeader } from "../ui/page-header";
import { useTRPC } from "../trpc/client";
import { ReportSummary, when } from "./report-summary";

type Mode = "testing" | "enforce" | "none";

const MODES: { mode: Mode; label: string; description: string }[] = [
  {
    mode: "testing",
    label: "Testing",
    description: "Senders report TLS problems but still deliver. The safe start: watch the reports below.",
  },
  {
    mode: "enforce",
    label: "Enforce",
    description: "Senders that support MTA-STS deliver only over verified TLS to the listed MX hosts, or not at all.",
  },
  {
    mode: "none",
    label: "None",
    description: "Withdraws the policy: senders that cached it forget it. Use it before turning MTA-STS off.",
  },
];

const MODE_TONE: Record<Mode, "amber" | "green" | "slate"> = { testing: "amber", enforce: "green", none: "slate" };
const MODE_LABEL: Record<Mode, string> = { testing: "Testing", enforce: "Enforce", none: "None" };

/** R-STS-1…3: the policy the gateway serves, its DNS records, the mode switch and the TLS report summary. */
export function MtaStsScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.mtaSts.settings.queryOptions());
  const summary = useQuery(trpc.mtaSts.summary.queryOptions({ days: 30 }));
  const setMode = useMutation(trpc.mtaSts.setMode.mutationOptions());
  const checkDns = useMutation(trpc.mtaSts.checkDns.mutationOptions());
  const dnsStatus = new Map((checkDns.data?.records ?? []).map((r) => [r.name, r]));
  const [pending, setPending] = useState<Mode | null>(null);
  const [changed, setChanged] = useState<string | null>(null);

  async function confirmMode() {
    if (!pending) return;
    const result = await setMode.mutateAsync({ mode: pending });
    setPending(null);
    setChanged(
      `The policy is now in ${MODE_LABEL[result.mode].toLowerCase()} mode, with the new id ${result.policyId}.`,
    );
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.mtaSts.settings.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.mtaSts.summary.pathKey() }),
    ]);
  }

  function choose(mode: Mode) {
    setMode.reset();
    checkDns.reset();
    setChanged(null);
    setPending(mode);
  }

  const data = settings.data;
  return (
    <>
      <PageHeader
        title="MTA-STS"
        description="MTA-STS tells sending servers to deliver to your inbound subdomain only over verified TLS; TLS reports (TLS-RPT) tell you when they could not. The gateway publishes both for you."
        actions={data ? <Badge tone={MODE_TONE[data.mode]}>Mode: {MODE_LABEL[data.mode]}</Badge> : null}
      />

      {settings.isError ? <Alert>Could not load the MTA-STS settings: {settings.error.message}</Alert> : null}
      {settings.isPending ? <SettingsSkeleton /> : null}

      {summary.data?.recommendEnforce && data?.mode === "testing" ? (
        <div
          className="mb-6 flex flex-wrap items-center gap-4 rounded-xl bg-emerald-50 px-5 py-4 ring-1 ring-emerald-200"
          data-testid="clean-week"
        >
          <BadgeCheck className="size-6 shrink-0 text-emerald-600" aria-hidden />
          <div className="min-w-0 flex-1">
            <p className="text-sm font-semibold text-emerald-900">A clean week has passed: switch to enforce</p>
            <p className="text-sm text-emerald-800">
              Authenticated TLS reports for the last {summary.data.cleanStreakDays} days show no failed sessions.
              Senders can reach you over verified TLS, so enforcing the policy is safe.
            </p>
          </div>
          <Button onClick={() => choose("enforce")}>Switch to enforce</Button>
        </div>
      ) : null}

      {data ? (
        <div className="space-y-6">
          <section aria-label="Policy">
            <Card>
              <CardHeader
                title="Policy mode"
                description="Every change publishes the policy under a new id, so sending servers fetch it again."
              />
              <div className="px-5 py-5">
                {changed ? (
                  <div className="mb-4">
                    <Alert tone="success">{changed}</Alert>
                  </div>
                ) : null}
                <div role="radiogroup" aria-label="Policy mode" className="grid gap-3 md:grid-cols-3">
                  {MODES.map((m) => {
                    const current = data.mode === m.mode;
                    return (
                      <button
                        key={m.mode}
                        type="button"
                        role="radio"
                        aria-checked={current}
                        onClick={() => (current ? undefined : choose(m.mode))}
                        className={
                          current
                            ? "rounded-lg bg-indigo-50 p-4 text-left ring-2 ring-indigo-500 focus:outline-none focus-visible:ring-4"
                            : "rounded-lg bg-white p-4 text-left ring-1 ring-slate-200 hover:ring-slate-300 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
                        }
                      >
                        <span className="flex items-center justify-between gap-2">
                          <span className="text-sm font-semibold text-slate-900">{m.label}</span>
                          {current ? <Badge tone="indigo">Current</Badge> : null}
                        </span>
                        <span className="mt-1 block text-sm text-slate-600">{m.description}</span>
                      </button>
                    );
                  })}
                </div>
              </div>
            </Card>
          </section>

          <section aria-label="Policy file">
            <Card>
              <CardHeader
                title="Policy file"
                description="What sending servers fetch over HTTPS. The gateway serves it; there is nothing to upload."
              />
              <div className="space-y-4 px-5 py-5">
                <div className="flex flex-wrap items-center gap-3">
                  <Lock className="size-4 text-slate-400" aria-hidden />
                  <code
                    className="rounded-md bg-slate-100 px-3 py-1.5 font-mono text-sm break-all text-slate-900"
                    data-testid="policy-url"
                  >
                    {data.policyUrl}
                  </code>
                  <CopyButton value={data.policyUrl} label="Copy URL" />
                </div>
                <pre
                  className="overflow-x-auto rounded-lg bg-slate-900 px-4 py-3 font-mono text-sm leading-6 text-slate-100"
                  aria-label="Current policy"
                  data-testid="policy-text"
                >
                  {data.policyText.replace(/\r\n/g, "\n")}
                </pre>
                <p className="text-sm text-slate-500">
                  Policy id{" "}
                  <span className="font-mono text-slate-700" data-testid="policy-id">
                    {data.policyId}
                  </span>{" "}
                  · cached by senders for {Math.round(data.maxAge / 86400)} days · MX {data.mx.join(", ")}
                </p>
              </div>
            </Card>
          </section>

          <section aria-label="DNS records">
            <Card className="overflow-hidden">
              <CardHeader
                title="DNS records"
                description={
                  <>
                    Published on your inbound subdomain <span className="font-mono">{data.policyDomain}</span>, which
                    the gateway runs. They are shown so you can check them; the id changes with every policy change.
                  </>
                }
                actions={
                  <Button variant="secondary" onClick={() => checkDns.mutate()} disabled={checkDns.isPending}>
                    <RefreshCw className={checkDns.isPending ? "size-4 animate-spin" : "size-4"} aria-hidden />
                    {checkDns.isPending ? "Checking…" : "Check DNS"}
                  </Button>
                }
              />
              {checkDns.error ? (
                <div className="px-5 pt-4">
                  <Alert>Could not check DNS: {checkDns.error.message}</Alert>
                </div>
              ) : null}
              <div className="overflow-x-auto">
                <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="DNS records">
                  <thead className="bg-slate-50">
                    <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
                      <th scope="col" className="px-5 py-3">
                        Host
                      </th>
                      <th scope="col" className="px-5 py-3">
                        Type
                      </th>
                      <th scope="col" className="px-5 py-3">
                        Value
                      </th>
                      <th scope="col" className="px-5 py-3">
                        In DNS
                      </th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {data.records.map((r) => (
                      <tr key={r.name} data-testid="dns-record" className="align-top">
                        <td className="px-5 py-3.5">
                          <div className="font-mono whitespace-nowrap text-slate-900">{r.name}</div>
                          <div className="mt-1 text-xs text-slate-500">{r.purpose}</div>
                          <div className="mt-2">
                            <CopyButton value={r.name} label="Copy host" />
                          </div>
                        </td>
                        <td className="px-5 py-3.5">
                          <Badge>{r.type}</Badge>
                        </td>
                        <td className="px-5 py-3.5">
                          <div className="font-mono text-slate-900 [overflow-wrap:anywhere]" data-testid="dns-record-value">
                            {r.value}
                          </div>
                          <div className="mt-2">
                            <CopyButton value={r.value} label="Copy value" />
                          </div>
                        </td>
                        <td className="w-56 px-5 py-3.5" data-testid="dns-record-status">
                          <DnsStatus check={dnsStatus.get(r.name)} pending={checkDns.isPending} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p className="border-t border-slate-200 bg-slate-50 px-5 py-2.5 text-xs text-slate-500">
                Reports arrive at <span className="font-mono">{data.reportMailbox}</span> and{" "}
                <span className="font-mono break-all">{data.reportUrl}</span>.
                {checkDns.data ? ` DNS checked ${when(checkDns.data.checkedAt)}.` : null}
              </p>
            </Card>
          </section>

          <ReportSummary summary={summary} />

          <section aria-label="Policy history">
            <Card>
              <CardHeader
                title="History"
                description="Mode changes, who made them and the policy id each one published."
              />
              <div className="px-5 py-4">
                {data.history.length === 0 ? (
                  <p className="flex items-center gap-2 text-sm text-slate-500">
                    <History className="size-4 text-slate-300" aria-hidden />
                    The policy has been in testing mode since the gateway set it up.
                  </p>
                ) : (
                  <ol className="divide-y divide-slate-100 text-sm" data-testid="policy-history">
                    {data.history.map((h) => (
                      <li key={h.id} className="flex flex-wrap items-center gap-x-2 gap-y-1 py-2.5">
                        <Badge tone={MODE_TONE[h.mode]}>{MODE_LABEL[h.mode]}</Badge>
                        <span className="text-slate-600">
                          by {h.by?.name ?? "someone no longer here"} · {when(h.at)} · id{" "}
                          <span className="font-mono">{h.policyId}</span>
                        </span>
                      </li>
                    ))}
                  </ol>
                )}
              </div>
            </Card>
          </section>
        </div>
      ) : null}

      <ConfirmDialog
        open={pending !== null}
        title={
          pending === "enforce"
            ? "Enforce the MTA-STS policy?"
            : pending === "none"
              ? "Withdraw the MTA-STS policy?"
              : "Switch back to testing?"
        }
        confirmLabel={pending ? `Switch to ${MODE_LABEL[pending].toLowerCase()}` : "Switch"}
        pending={setMode.isPending}
        error={setMode.error ? setMode.error.message : null}
        onConfirm={() => void confirmMode().catch(() => undefined)}
        onClose={() => setPending(null)}
      >
        {pending === "enforce" ? (
          <div className="space-y-2">
            <p className="flex items-start gap-2">
              <ShieldCheck className="mt-0.5 size-4 shrink-0 text-emerald-600" aria-hidden />
              <span>
                Sending servers that support MTA-STS will deliver to you{" "}
                <strong>only over TLS with a valid certificate</strong> for the listed MX hosts. A server that cannot
                will hold the mail and retry, then bounce it, instead of sending it unencrypted.
              </span>
            </p>
            <p>
              Do this once the TLS reports have been clean for a week. Senders pick up the change with the new policy
              id.
            </p>
          </div>
        ) : pending === "none" ? (
          <p>
            Senders that cached the policy will forget it and deliver as if there were none, encrypted or not. Keep this
            mode published for a while before removing MTA-STS altogether.
          </p>
        ) : (
          <p>Senders will report TLS problems but deliver anyway. Nothing is refused while the policy is in testing.</p>
        )}
      </ConfirmDialog>
    </>
  );
}

type DnsCheck = { status: "published" | "outdated" | "different" | "missing" | "error"; note: string; found: string[] };
const DNS_STATUS: Record<DnsCheck["status"], { label: string; tone: "green" | "amber" | "red" | "slate" }> = {
  published: { label: "Published", tone: "green" },
  outdated: { label: "Old id", tone: "amber" },
  different: { label: "Different", tone: "amber" },
  missing: { label: "Not found", tone: "red" },
  error: { label: "Look-up failed", tone: "slate" },
};

function DnsStatus({ check, pending }: { check: DnsCheck | undefined; pending: boolean }) {
  if (pending) return <span className="text-sm text-slate-500">Looking up…</span>;
  if (!check) return <span className="text-sm text-slate-400">Not checked yet</span>;
  const s = DNS_STATUS[check.status];
  return (
    <div>
      <Badge tone={s.tone}>{s.label}</Badge>
      <p className="mt-1 text-xs text-slate-500">{check.note}</p>
      {check.status !== "published" && check.found.length ? (
        <p className="mt-1 font-mono text-xs break-all text-slate-500">Found: {check.found.join(" | ")}</p>
      ) : null}
    </div>
  );
}

function SettingsSkeleton() {
  return (
    <div className="space-y-6" aria-busy>
      <span className="sr-only">Loading the MTA-STS settings…</span>
      {[0, 1, 2].map((i) => (
        <Card key={i} className="animate-pulse px-5 py-6">
          <div className="h-3.5 w-40 rounded bg-slate-200" />
          <div className="mt-4 h-3 w-3/4 rounded bg-slate-100" />
          <div className="mt-2 h-3 w-1/2 rounded bg-slate-100" />
        </Card>
      ))}
    </div>
  );
}
