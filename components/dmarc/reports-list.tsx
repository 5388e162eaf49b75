"use client";
import { useQuery } from "@tanstack/react-query";
import { FileWarning, X } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { CopyButton } from "../ui/copy-button";
import { useTRPC } from "../trpc/client";
import { count, dateRange, when, type Period } from "./format";

/** R-X-1 the reports behind the figures, newest first; unreadable ones with their reason; each viewable raw. */
export function ReportsList({ domain, period }: { domain: string; period: Period }) {
  const trpc = useTRPC();
  const [limit, setLimit] = useState(10);
  const reports = useQuery({ ...trpc.dmarcReports.reports.queryOptions({ domain, period, limit }), placeholderData: (prev) => prev });
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section aria-label="Reports">
      <Card className="overflow-hidden">
        <CardHeader title="Reports" description="The aggregate reports received for this domain in the period, and any that could not be read." />
        {reports.isError ? (
          <div className="px-5 py-4">
            <Alert>Could not load the reports: {reports.error.message}</Alert>
          </div>
        ) : null}
        {reports.isPending ? <p className="px-5 py-6 text-sm text-slate-500">Loading the reports…</p> : null}
        {reports.data && reports.data.reports.length === 0 ? (
          <p className="px-5 py-8 text-center text-sm text-slate-500">No reports for this domain in the period.</p>
        ) : null}
        {reports.data && reports.data.reports.length > 0 ? (
          <div className="overflow-x-auto">
            <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Reports">
              <thead className="bg-slate-50">
                <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
                  <th scope="col" className="px-5 py-3">Reporter</th>
                  <th scope="col" className="px-4 py-3">Covers</th>
                  <th scope="col" className="px-4 py-3 text-right">Records</th>
                  <th scope="col" className="px-4 py-3 text-right">Messages</th>
                  <th scope="col" className="px-4 py-3">Received</th>
                  <th scope="col" className="px-5 py-3">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {reports.data.reports.map((r) => (
                  <tr key={r.id} className={r.parseError ? "bg-amber-50/40" : "hover:bg-slate-50"} data-testid="dmarc-report-row">
                    <td className="max-w-xs px-5 py-3">
                      <div className="flex flex-wrap items-center gap-2">
                        <span className="font-medium text-slate-900">{r.orgName}</span>
                        {r.parseError ? <Badge tone="amber">Could not be read</Badge> : null}
                        {r.problems.length ? <Badge tone="slate">{r.problems.length} skipped</Badge> : null}
                      </div>
                      <div className="truncate font-mono text-xs text-slate-500" title={r.reportId}>
                        {r.reportId}
                      </div>
                      {r.parseError ? (
                        <p className="mt-1 flex items-start gap-1.5 text-xs text-amber-800">
                          <FileWarning className="mt-px size-3.5 shrink-0" aria-hidden />
                          <span>{r.parseError}</span>
                        </p>
                      ) : null}
                    </td>
                    <td className="px-4 py-3 whitespace-nowrap text-slate-600">{dateRange(r.dateBegin, r.dateEnd)}</td>
                    <td className="px-4 py-3 text-right tabular-nums text-slate-600">{r.parseError ? "—" : count(r.recordCount)}</td>
                    <td className="px-4 py-3 text-right tabular-nums text-slate-900">{r.parseError ? "—" : count(r.messageCount)}</td>
                    <td className="max-w-44 px-4 py-3 text-xs text-slate-500">
                      <div className="whitespace-nowrap">{when(r.createdAt)}</div>
                      <div className="truncate" title={r.fileName ?? undefined}>
                        {r.source === "upload" ? "uploaded" : "by mail"}
                        {r.fileName ? ` · ${r.fileName}` : ""}
                      </div>
                    </td>
                    <td className="px-5 py-3 text-right">
                      <Button variant="secondary" size="sm" aria-label={`View report ${r.reportId} from ${r.orgName}`} onClick={() => setOpen(r.id)}>
                        View
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {reports.data && reports.data.total > 0 ? (
          <div className="flex items-center justify-between border-t border-slate-200 bg-slate-50 px-5 py-2.5 text-xs text-slate-500">
            <span>
              {reports.data.total > reports.data.reports.length
                ? `The latest ${count(reports.data.reports.length)} of ${count(reports.data.total)} reports`
                : `${count(reports.data.total)} ${reports.data.total === 1 ? "report" : "reports"}`}
            </span>
            {reports.data.total > reports.data.reports.length && limit < 200 ? (
              <Button variant="secondary" size="sm" disabled={reports.isFetching} onClick={() => setLimit((n) => Math.min(200, n + 40))}>
                {reports.isFetching ? "Loading…" : "Show more reports"}
              </Button>
            ) : null}
          </div>
        ) : null}
      </Card>
      {open ? <ReportDialog id={open} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}

/** One report: what it says, its records and the file as received. A native <dialog>: Esc closes, focus returns. */
function ReportDialog({ id, onClose }: { id: string; onClose: () => void }) {
  const trpc = useTRPC();
  const report = useQuery(trpc.dmarcReports.report.queryOptions({ id }));
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const r = report.data;
  const policy = r?.policy as { p?: string | null; sp?: string | null; adkim?: string; aspf?: string; pct?: number | null } | null | undefined;
  return (
    <dialog
      ref={ref}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      aria-labelledby="dmarc-report-title"
      className="m-auto w-full max-w-5xl rounded-xl bg-white p-0 shadow-2xl ring-1 ring-slate-900/10"
    >
      <div className="flex items-start justify-between gap-4 border-b border-slate-200 px-6 py-4">
        <div className="min-w-0">
          <h2 id="dmarc-report-title" className="text-base font-semibold text-slate-900">
            {r ? `Report from ${r.orgName}` : "Report"}
          </h2>
          {r ? <p className="mt-0.5 truncate font-mono text-xs text-slate-500">{r.reportId}</p> : null}
        </div>
        <button type="button" onClick={onClose} className="rounded-md p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-600" aria-label="Close">
          <X className="size-5" aria-hidden />
        </button>
      </div>
      <div className="max-h-[75vh] space-y-5 overflow-y-auto px-6 py-5">
        {report.isPending ? <p className="text-sm text-slate-500">Loading the report…</p> : null}
        {report.isError ? <Alert>Could not load the report: {report.error.message}</Alert> : null}
        {r ? (
          <>
            {r.parseError ? <Alert>This report could not be read: {r.parseError}</Alert> : null}
            {r.problems.length ? (
              <Alert tone="info">
                Read with {r.problems.length} {r.problems.length === 1 ? "part" : "parts"} skipped: {r.problems.slice(0, 5).join("; ")}
              </Alert>
            ) : null}
            <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm md:grid-cols-4">
              <Fact label="Domain" value={r.domain || "—"} />
              <Fact label="Covers" value={dateRange(r.dateBegin, r.dateEnd)} />
              <Fact label="Reporter contact" value={r.email ?? "—"} />
              <Fact label="Published policy" value={policy ? `p=${policy.p ?? "?"}${policy.sp ? ` sp=${policy.sp}` : ""} adkim=${policy.adkim ?? "r"} aspf=${policy.aspf ?? "r"}${policy.pct != null ? ` pct=${policy.pct}` : ""}` : "—"} />
            </dl>
            {r.records.length ? (
              <div className="overflow-x-auto rounded-lg ring-1 ring-slate-200">
                <table className="min-w-full divide-y divide-slate-200 text-xs" aria-label="Records">
                  <thead className="bg-slate-50 text-left font-medium tracking-wide text-slate-500 uppercase">
                    <tr>
                      <th scope="col" className="px-3 py-2">Source</th>
                      <th scope="col" className="px-3 py-2 text-right">Count</th>
                      <th scope="col" className="px-3 py-2">Disposition</th>
                      <th scope="col" className="px-3 py-2">DKIM</th>
                      <th scope="col" className="px-3 py-2">SPF</th>
                      <th scope="col" className="px-3 py-2">From / envelope</th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {r.records.map((rec) => (
                      <tr key={rec.id}>
                        <td className="px-3 py-1.5 font-mono">{rec.sourceIp}</td>
                        <td className="px-3 py-1.5 text-right tabular-nums">{count(rec.count)}</td>
                        <td className="px-3 py-1.5">{rec.disposition ?? "—"}</td>
                        <td className="px-3 py-1.5">
                          <Verdict result={rec.dkim} aligned={rec.dkimAligned} />
                        </td>
                        <td className="px-3 py-1.5">
                          <Verdict result={rec.spf} aligned={rec.spfAligned} />
                        </td>
                        <td className="px-3 py-1.5 text-slate-600">
                          {rec.headerFrom ?? "—"}
                          {rec.envelopeFrom && rec.envelopeFrom !== rec.headerFrom ? <span className="text-slate-400"> / {rec.envelopeFrom}</span> : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {r.recordCount > r.records.length ? (
                  <p className="bg-slate-50 px-3 py-2 text-xs text-slate-500">The {r.records.length} largest of {count(r.recordCount)} records; the file below has them all.</p>
                ) : null}
              </div>
            ) : null}
            <div>
              <div className="mb-2 flex items-center justify-between gap-3">
                <h3 className="text-sm font-semibold text-slate-900">{r.rawEncoding === "base64" ? "The file as received (base64)" : "The report as received"}</h3>
                <CopyButton value={r.raw} label="Copy" />
              </div>
              {r.rawEncoding === "base64" ? (
                <p className="mb-2 text-xs text-slate-500">The file is not readable text, so its bytes are shown in base64.</p>
              ) : null}
              <pre className="max-h-96 overflow-auto rounded-lg bg-slate-900 p-4 font-mono text-xs leading-relaxed whitespace-pre-wrap break-all text-slate-100" data-testid="dmarc-raw">
                {r.raw.length > 400_000 ? `${r.raw.slice(0, 400_000)}\n… (${count(r.raw.length - 400_000)} more characters; use Copy for all of it)` : r.raw}
              </pre>
            </div>
          </>
        ) : null}
      </div>
    </dialog>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="truncate text-slate-900" title={value}>
        {value}
      </dd>
    </div>
  );
}

function Verdict({ result, aligned }: { result: string | null; aligned: boolean }) {
  const pass = result === "pass";
  return (
    <span className={pass ? "text-emerald-700" : "text-red-700"}>
      {result ?? "—"}
      {aligned ? <span className="text-slate-400"> · aligned</span> : null}
    </span>
  );
}
