"use client";
import { FileWarning, Inbox, ShieldQuestion } from "lucide-react";
import type { TlsReportSummary } from "@/server/tls-reports/summarise-tls-reports";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Card, CardHeader } from "../ui/card";
import { formatDate, formatDateTime, type DateFormat } from "../ui/format-date";

const CHART_DAYS = 14;
const DAY_MS = 86_400_000;
const number = new Intl.NumberFormat("en-GB");

export function when(d: Date | string | null | undefined): string {
  return formatDateTime(d);
}
function fmtDay(day: string, f: DateFormat = "utcWeekdayDayMonth"): string {
  return formatDate(`${day}T00:00:00Z`, f);
}

type SummaryQuery = {
  data?: TlsReportSummary | undefined;
  isPending: boolean;
  isError: boolean;
  error: { message: string } | null;
};

/** R-STS-3: per-day sessions and failures, failure types and reporting organisations, from TLS-RPT reports. */
export function ReportSummary({ summary }: { summary: SummaryQuery }) {
  const s = summary.data;
  return (
    <section aria-label="TLS reports">
      <Card>
        <CardHeader
          title="TLS reports"
          description={`What sending servers reported about delivering to you over TLS, per day, for the last ${s?.windowDays ?? 30} days.`}
          actions={s && s.totals.reports > 0 ? <CleanStreak summary={s} /> : null}
        />
        {summary.isError ? (
          <div className="px-5 py-4">
            <Alert>Could not load the TLS reports: {summary.error?.message}</Alert>
          </div>
        ) : null}
        {summary.isPending ? (
          <div className="animate-pulse px-5 py-6" aria-busy>
            <span className="sr-only">Loading the TLS reports…</span>
            <div className="h-24 rounded bg-slate-100" />
          </div>
        ) : null}
        {s && s.totals.reports === 0 ? (
          <div className="px-6 py-12 text-center" data-testid="reports-empty">
            <Inbox className="mx-auto size-10 text-slate-300" aria-hidden />
            <h3 className="mt-3 text-sm font-semibold text-slate-900">No TLS reports yet</h3>
            <p className="mx-auto mt-1 max-w-md text-sm text-slate-500">
              Large senders (Google, Microsoft, Yahoo and others) send one report a day about the mail they delivered to
              you. The first usually arrives a day or two after mail starts flowing.
            </p>
          </div>
        ) : null}
        {s && s.totals.reports > 0 ? (
          <>
            <Totals summary={s} />
            <TrustNote summary={s} />
            <DayChart summary={s} />
            <DayTable summary={s} />
            <div className="grid gap-0 border-t border-slate-200 md:grid-cols-2 md:divide-x md:divide-slate-200">
              <Organisations summary={s} />
              <FailureTypes summary={s} />
            </div>
          </>
        ) : null}
        {s ? <UnreadableReports items={s.unreadable} /> : null}
      </Card>
    </section>
  );
}

function CleanStreak({ summary }: { summary: TlsReportSummary }) {
  if (summary.cleanStreakDays >= 7) return <Badge tone="green">Clean for {summary.cleanStreakDays} days</Badge>;
  if (summary.cleanStreakDays > 0) return <Badge tone="slate">Clean for {summary.cleanStreakDays} of 7 days</Badge>;
  return (
    <Badge tone={summary.days[0]?.failureCount ? "red" : "slate"}>
      {summary.days[0]?.failureCount ? "Failures on the latest day" : "No recent reports"}
    </Badge>
  );
}

/** A report nobody vouches for, in a row of the table or list. */
function UnauthenticatedBadge({ count, of }: { count: number; of: number }) {
  if (!count) return null;
  return (
    <Badge tone="amber" className="whitespace-nowrap">
      {count === of ? "Unauthenticated" : `${count} unauthenticated`}
    </Badge>
  );
}

/**
 * Issue 19 item 11: which reports can be trusted, and why only those count towards enforce. Shown whenever any
 * report in the window is unauthenticated, so the difference is explained where it shows.
 */
function TrustNote({ summary }: { summary: TlsReportSummary }) {
  const { unauthenticatedReports, reports } = summary.totals;
  if (!unauthenticatedReports) return null;
  return (
    <div className="flex gap-3 border-b border-slate-200 bg-amber-50/60 px-5 py-3 text-sm" data-testid="unauthenticated-note">
      <ShieldQuestion className="mt-0.5 size-4 shrink-0 text-amber-600" aria-hidden />
      <p className="text-slate-700">
        <span className="font-medium text-slate-900">
          {unauthenticatedReports === reports
            ? "None of these reports is authenticated."
            : `${number.format(unauthenticatedReports)} of ${number.format(reports)} reports are unauthenticated.`}
        </span>{" "}
        Reports sent by HTTPS, or by email without a valid DKIM signature of the sender, could come from anyone. They
        are shown, marked <Badge tone="amber">Unauthenticated</Badge>, but do not count towards the clean week that
        recommends enforce. A failure they report still resets it: caution only delays the recommendation.
      </p>
    </div>
  );
}

function Totals({ summary }: { summary: TlsReportSummary }) {
  const { reports, successCount, failureCount } = summary.totals;
  const sessions = successCount + failureCount;
  const rate = sessions ? (successCount / sessions) * 100 : 100;
  const items = [
    { label: "Reports", value: number.format(reports) },
    { label: "Successful sessions", value: number.format(successCount) },
    { label: "Failed sessions", value: number.format(failureCount), alert: failureCount > 0 },
    {
      label: "Over TLS without problems",
      value: `${rate >= 99.95 || rate === 100 ? rate.toFixed(0) : rate.toFixed(1)}%`,
    },
  ];
  return (
    <dl
      className="grid grid-cols-2 gap-px border-b border-slate-200 bg-slate-200 md:grid-cols-4"
      data-testid="report-totals"
    >
      {items.map((i) => (
        <div key={i.label} className="bg-white px-5 py-4">
          <dt className="text-xs font-medium text-slate-500">{i.label}</dt>
          <dd
            className={
              i.alert
                ? "mt-1 text-xl font-semibold text-red-600 tabular-nums"
                : "mt-1 text-xl font-semibold text-slate-900 tabular-nums"
            }
          >
            {i.value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function DayChart({ summary }: { summary: TlsReportSummary }) {
  const byDay = new Map(summary.days.map((d) => [d.day, d]));
  const latest = summary.days[0]?.day ?? new Date().toISOString().slice(0, 10);
  const end = Math.max(
    Date.parse(`${latest}T00:00:00Z`),
    Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`) - DAY_MS,
  );
  const days = Array.from({ length: CHART_DAYS }, (_, i) =>
    new Date(end - (CHART_DAYS - 1 - i) * DAY_MS).toISOString().slice(0, 10),
  );
  const max = Math.max(1, ...days.map((d) => (byDay.get(d)?.successCount ?? 0) + (byDay.get(d)?.failureCount ?? 0)));
  return (
    <figure className="border-b border-slate-200 px-5 pt-5 pb-3">
      <figcaption className="mb-3 flex items-center gap-4 text-xs text-slate-500">
        <span>Sessions per day, last {CHART_DAYS} days</span>
        <span className="flex items-center gap-1.5">
          <span className="size-2.5 rounded-sm bg-emerald-500" aria-hidden /> successful
        </span>
        <span className="flex items-center gap-1.5">
          <span className="size-2.5 rounded-sm bg-red-500" aria-hidden /> failed
        </span>
      </figcaption>
      <div className="flex h-28 items-end gap-1.5" role="img" aria-label="Successful and failed sessions per day">
        {days.map((day) => {
          const d = byDay.get(day);
          const ok = d?.successCount ?? 0;
          const failed = d?.failureCount ?? 0;
          const total = ok + failed;
          const height = total ? Math.max(4, (total / max) * 100) : 0;
          const failedShare = total ? Math.max(failed ? 6 : 0, (failed / total) * 100) : 0;
          return (
            <div
              key={day}
              className="flex h-full flex-1 flex-col items-center justify-end"
              title={`${fmtDay(day)}: ${ok} successful, ${failed} failed`}
            >
              {d ? (
                <div
                  className="flex w-full max-w-8 flex-col overflow-hidden rounded-t"
                  style={{ height: `${height}%` }}
                >
                  <div className="bg-red-500" style={{ height: `${failedShare}%` }} />
                  <div className="flex-1 bg-emerald-500" />
                </div>
              ) : (
                <div className="h-1 w-full max-w-8 rounded bg-slate-100" />
              )}
            </div>
          );
        })}
      </div>
      <div className="mt-1.5 flex gap-1.5 text-center text-[11px] text-slate-400" aria-hidden>
        {days.map((day) => (
          <span key={day} className="flex-1">
            {fmtDay(day, "utcDayOfMonth")}
          </span>
        ))}
      </div>
    </figure>
  );
}

function DayTable({ summary }: { summary: TlsReportSummary }) {
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="TLS reports per day">
        <thead className="bg-slate-50">
          <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
            <th scope="col" className="px-5 py-3">
              Day (UTC)
            </th>
            <th scope="col" className="px-5 py-3 text-right">
              Successful
            </th>
            <th scope="col" className="px-5 py-3 text-right">
              Failed
            </th>
            <th scope="col" className="px-5 py-3">
              Failure types
            </th>
            <th scope="col" className="px-5 py-3">
              Reported by
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {summary.days.map((d) => (
            <tr key={d.day} data-testid="report-day" className="align-top">
              <td className="px-5 py-3 whitespace-nowrap text-slate-900">{fmtDay(d.day)}</td>
              <td className="px-5 py-3 text-right text-slate-700 tabular-nums" data-testid="day-success">
                {number.format(d.successCount)}
              </td>
              <td
                className={
                  d.failureCount
                    ? "px-5 py-3 text-right font-medium text-red-600 tabular-nums"
                    : "px-5 py-3 text-right text-slate-700 tabular-nums"
                }
                data-testid="day-failed"
              >
                {number.format(d.failureCount)}
              </td>
              <td className="px-5 py-3">
                {d.failureTypes.length ? (
                  <div className="flex flex-wrap gap-1">
                    {d.failureTypes.map((f) => (
                      <Badge key={f.type} tone="red">
                        {f.type} × {number.format(f.count)}
                      </Badge>
                    ))}
                  </div>
                ) : (
                  <span className="text-slate-400">—</span>
                )}
              </td>
              <td className="px-5 py-3 text-slate-600">
                <span className="mr-2">{d.organisations.join(", ")}</span>
                <UnauthenticatedBadge count={d.unauthenticatedReports} of={d.reports} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Organisations({ summary }: { summary: TlsReportSummary }) {
  return (
    <div className="px-5 py-4">
      <h3 className="text-sm font-medium text-slate-900">Reporting organisations</h3>
      <ul className="mt-2 divide-y divide-slate-100 text-sm" data-testid="report-organisations">
        {summary.organisations.map((o) => (
          <li key={o.name} className="flex items-center justify-between gap-3 py-2">
            <span className="flex flex-wrap items-center gap-2 text-slate-900">
              {o.name}
              <UnauthenticatedBadge count={o.unauthenticatedReports} of={o.reports} />
            </span>
            <span className="text-right text-xs text-slate-500 tabular-nums">
              {o.reports} {o.reports === 1 ? "report" : "reports"} · {number.format(o.successCount)} ok
              {o.failureCount ? <span className="text-red-600"> · {number.format(o.failureCount)} failed</span> : null}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function FailureTypes({ summary }: { summary: TlsReportSummary }) {
  return (
    <div className="px-5 py-4">
      <h3 className="text-sm font-medium text-slate-900">Failure types</h3>
      {summary.failureTypes.length === 0 ? (
        <p className="mt-2 text-sm text-slate-500">No failures reported.</p>
      ) : (
        <ul className="mt-2 divide-y divide-slate-100 text-sm" data-testid="report-failure-types">
          {summary.failureTypes.map((f) => (
            <li key={f.type} className="flex items-center justify-between gap-3 py-2">
              <span className="font-mono text-slate-900">{f.type}</span>
              <span className="text-xs text-red-600 tabular-nums">{number.format(f.count)} failed</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function UnreadableReports({ items }: { items: { id: string; reason: string; receivedAt: Date; source: string }[] }) {
  if (!items.length) return null;
  return (
    <div className="border-t border-slate-200 px-5 py-4">
      <p className="flex items-center gap-2 text-sm font-medium text-slate-900">
        <FileWarning className="size-4 text-amber-500" aria-hidden />
        Reports that could not be read
      </p>
      <p className="mt-0.5 text-sm text-slate-500">Kept as received and left out of the figures above.</p>
      <ul className="mt-2 divide-y divide-slate-100 text-sm" data-testid="unreadable-reports">
        {items.map((u) => (
          <li key={u.id} className="py-2 text-slate-600">
            <span className="text-slate-900">{u.reason}</span>
            <span className="text-slate-500">
              {" "}
              · {u.source === "HTTPS" ? "by HTTPS" : "by email"} · {when(u.receivedAt)}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
