"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { FileChartColumn } from "lucide-react";
import { useState } from "react";
import { Alert } from "../ui/alert";
import { Card, CardHeader } from "../ui/card";
import { CopyButton } from "../ui/copy-button";
import { controlClass } from "../ui/field";
import { PageHeader } from "../ui/page-header";
import { cn } from "../ui/cn";
import { useTRPC } from "../trpc/client";
import { count, PERIOD_LABEL, share, type Period } from "./format";
import { ReportsList } from "./reports-list";
import { SourcesTable, SuspectsCard } from "./sources";
import { UploadReportButton } from "./upload-report";
import { VolumeChart } from "./volume-chart";

/**
 * R-X-1: Settings → Email gateway → DMARC reports. Per sending domain (and every domain reports arrived for),
 * over a chosen period: volume, DMARC pass and alignment, volume over time, sources by IP, failing sources that
 * are not the gateway or an authorised sender, and the reports themselves.
 */
export function DmarcReportsScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const domains = useQuery(trpc.dmarcReports.domains.queryOptions());
  const [chosen, setChosen] = useState<string | null>(null);
  const [period, setPeriod] = useState<Period>("30d");
  const list = domains.data?.domains ?? [];
  const domain = chosen && list.some((d) => d.domain === chosen) ? chosen : (list.find((d) => d.reports > 0)?.domain ?? list[0]?.domain ?? null);

  async function afterUpload(uploaded: string) {
    await queryClient.invalidateQueries({ queryKey: trpc.dmarcReports.pathKey() });
    setChosen(uploaded);
  }

  return (
    <>
      <PageHeader
        title="DMARC reports"
        description="What mailbox providers report about mail sent as your domains: how much, whether it passed DMARC, and who else is sending as them."
        actions={<UploadReportButton onStored={afterUpload} />}
      />
      {domains.data ? (
        <div className="mb-6 flex flex-wrap items-center gap-x-3 gap-y-2 rounded-lg bg-white px-4 py-3 text-sm shadow-sm ring-1 ring-slate-200">
          <span className="text-slate-600">Reports address for your DMARC records (rua):</span>
          <code className="rounded bg-slate-100 px-2 py-0.5 font-mono text-slate-900" data-testid="dmarc-rua">
            mailto:{domains.data.ruaAddress}
          </code>
          <CopyButton value={`mailto:${domains.data.ruaAddress}`} label="Copy address" />
        </div>
      ) : null}

      {domains.isError ? <Alert>Could not load your domains: {domains.error.message}</Alert> : null}
      {domains.isPending ? <Skeleton /> : null}
      {domains.data && list.length === 0 ? (
        <Card className="px-6 py-14 text-center">
          <FileChartColumn className="mx-auto size-10 text-slate-300" aria-hidden />
          <h2 className="mt-3 text-sm font-semibold text-slate-900">No reports yet</h2>
          <p className="mx-auto mt-1 max-w-md text-sm text-slate-500">
            Add the address above as <code>rua=</code> in your domain&apos;s DMARC record; mailbox providers send a report about the
            previous day&apos;s mail once a day. You can also upload a report you received elsewhere.
          </p>
        </Card>
      ) : null}

      {domain ? (
        <>
          <div className="mb-5 flex flex-wrap items-end gap-4">
            <label className="block min-w-64 text-sm">
              <span className="mb-1.5 block font-medium text-slate-700">Domain</span>
              <select value={domain} onChange={(e) => setChosen(e.target.value)} className={cn(controlClass, "ring-slate-300 focus:ring-indigo-500")}>
                {list.map((d) => (
                  <option key={d.domain} value={d.domain}>
                    {d.display}
                    {d.sendingDomain ? " (sending domain)" : ""} · {count(d.reports)} {d.reports === 1 ? "report" : "reports"}
                  </option>
                ))}
              </select>
            </label>
            <label className="block min-w-48 text-sm">
              <span className="mb-1.5 block font-medium text-slate-700">Period</span>
              <select value={period} onChange={(e) => setPeriod(e.target.value as Period)} className={cn(controlClass, "ring-slate-300 focus:ring-indigo-500")}>
                {Object.entries(PERIOD_LABEL).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <DomainOverview domain={domain} period={period} />
        </>
      ) : null}
    </>
  );
}

function DomainOverview({ domain, period }: { domain: string; period: Period }) {
  const trpc = useTRPC();
  const overview = useQuery({ ...trpc.dmarcReports.overview.queryOptions({ domain, period }), placeholderData: (prev) => prev });
  const o = overview.data;
  return (
    <div className="space-y-6">
      {overview.isError ? <Alert>Could not load the figures: {overview.error.message}</Alert> : null}
      {overview.isPending ? <Skeleton /> : null}
      {o ? (
        <div className={cn("space-y-6 transition-opacity", overview.isPlaceholderData && "opacity-60")} aria-busy={overview.isFetching}>
          <div className="grid grid-cols-2 gap-4 lg:grid-cols-5" data-testid="dmarc-totals">
            <Stat label="Messages" value={count(o.totals.messages)} detail={`${count(o.totals.reports)} ${o.totals.reports === 1 ? "report" : "reports"}`} />
            <Stat
              label="DMARC pass"
              value={share(o.totals.pass, o.totals.messages)}
              detail={`${count(o.totals.fail)} failed`}
              tone={o.totals.messages && o.totals.fail / o.totals.messages > 0.05 ? "bad" : "good"}
            />
            <Stat label="Aligned" value={share(o.totals.aligned, o.totals.messages)} detail="DKIM or SPF aligned" />
            <Stat label="DKIM aligned" value={share(o.totals.dkimAligned, o.totals.messages)} detail={`SPF aligned ${share(o.totals.spfAligned, o.totals.messages)}`} />
            <Stat
              label="Sources"
              value={count(o.totals.sources)}
              detail={o.suspects.length ? `${o.suspects.length} not yours` : "all known"}
              tone={o.suspects.some((s) => s.kind === "impersonation") ? "bad" : undefined}
            />
          </div>
          {o.totals.malformed ? (
            <Alert tone="info">
              {o.totals.malformed} {o.totals.malformed === 1 ? "report" : "reports"} for this domain could not be read; they are in the list below with the reason.
            </Alert>
          ) : null}
          {o.partial ? <Alert tone="info">This period holds more records than one page can add up; the figures cover the first 200,000.</Alert> : null}

          <Card>
            <CardHeader
              title="Messages over time"
              description={
                o.policy
                  ? `Published policy: p=${o.policy.p ?? "?"}, DKIM alignment ${o.policy.adkim === "s" ? "strict" : "relaxed"}, SPF alignment ${o.policy.aspf === "s" ? "strict" : "relaxed"}.`
                  : undefined
              }
            />
            <div className="px-5 py-4">
              {o.totals.messages ? (
                <VolumeChart series={o.series} bucket={o.bucket} />
              ) : (
                <p className="py-8 text-center text-sm text-slate-500">No mail from this domain was reported in the period.</p>
              )}
            </div>
          </Card>

          <SuspectsCard suspects={o.suspects} domain={o.domain} />
          <SourcesTable sources={o.sources} />
          <p className="text-xs text-slate-500">
            The gateway&apos;s own addresses are recognised from its SPF include ({o.gateway.description || "not set"})
            {o.gateway.incomplete ? "; its DNS did not answer just now, so some of them may be shown as other senders" : ""}.
          </p>
          <ReportsList domain={domain} period={period} />
        </div>
      ) : null}
    </div>
  );
}

function Stat({ label, value, detail, tone }: { label: string; value: string; detail?: string; tone?: "good" | "bad" | undefined }) {
  return (
    <Card className="px-4 py-3.5">
      <div className="text-xs font-medium text-slate-500">{label}</div>
      <div className={cn("mt-1 text-2xl font-semibold tabular-nums", tone === "bad" ? "text-red-600" : tone === "good" ? "text-emerald-600" : "text-slate-900")}>
        {value}
      </div>
      {detail ? <div className="mt-0.5 text-xs text-slate-500">{detail}</div> : null}
    </Card>
  );
}

function Skeleton() {
  return (
    <div className="space-y-4" aria-busy>
      <span className="sr-only">Loading…</span>
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-5">
        {[0, 1, 2, 3, 4].map((i) => (
          <div key={i} className="h-20 animate-pulse rounded-xl bg-slate-100" />
        ))}
      </div>
      <div className="h-64 animate-pulse rounded-xl bg-slate-100" />
    </div>
  );
}
