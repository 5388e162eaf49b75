"use client";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Alert } from "../ui/alert";
import { Card, CardHeader } from "../ui/card";
import { cn } from "../ui/cn";
import { useTRPC } from "../trpc/client";
import { OUTCOME_COLOR, OUTCOME_LABEL, OUTCOMES } from "./outcome";
import { formatDate } from "../ui/format-date";

const RANGES = [7, 14, 30, 90] as const;

/**
 * R-ACT-2: log entries per day by outcome, a stacked bar per UTC day, in plain SVG. Entries, not messages: a sent
 * reply is queued and then delivered (two entries), exactly as the list below shows it, so the two agree.
 */
export function ActivityChart() {
  const trpc = useTRPC();
  const [days, setDays] = useState<(typeof RANGES)[number]>(14);
  const volume = useQuery({ ...trpc.activity.volume.queryOptions({ days }), placeholderData: (prev) => prev });
  const buckets = volume.data?.buckets ?? [];
  const totals = buckets.map((b) => OUTCOMES.reduce((n, o) => n + b.counts[o], 0));
  const max = Math.max(1, ...totals);
  const sum = totals.reduce((a, b) => a + b, 0);
  const width = 720;
  const height = 140;
  const gap = buckets.length > 30 ? 1 : 3;
  const barWidth = buckets.length ? (width - gap * (buckets.length - 1)) / buckets.length : 0;

  return (
    <section aria-label="Volume by outcome" className="mb-6">
      <Card>
        <CardHeader
          title="Volume by outcome"
          description={volume.data ? `${sum.toLocaleString("en-GB")} log entries in the last ${days} days (UTC days).` : "Log entries per day."}
          actions={
            <div className="flex rounded-md shadow-sm ring-1 ring-slate-300 ring-inset" role="group" aria-label="Chart period">
              {RANGES.map((r) => (
                <button
                  key={r}
                  type="button"
                  aria-pressed={days === r}
                  onClick={() => setDays(r)}
                  className={cn(
                    "px-2.5 py-1 text-xs font-medium whitespace-nowrap first:rounded-l-md last:rounded-r-md",
                    days === r ? "bg-indigo-600 text-white" : "text-slate-700 hover:bg-slate-50",
                  )}
                >
                  {r} days
                </button>
              ))}
            </div>
          }
        />
        <div className="px-5 py-4">
          {volume.isError ? <Alert>Could not load the chart: {volume.error.message}</Alert> : null}
          {volume.isPending ? (
            <div className="flex h-[140px] animate-pulse items-end gap-1" aria-busy>
              <span className="sr-only">Loading the chart…</span>
              {Array.from({ length: 14 }, (_, i) => (
                <div key={i} className="flex-1 rounded-t bg-slate-100" style={{ height: `${20 + ((i * 37) % 70)}%` }} />
              ))}
            </div>
          ) : null}
          {volume.data ? (
            sum === 0 ? (
              <p className="flex h-[140px] items-center justify-center text-sm text-slate-500">No mail in the last {days} days.</p>
            ) : (
              <svg viewBox={`0 0 ${width} ${height + 18}`} className="h-auto w-full" role="img" aria-label={`Log entries per day by outcome, last ${days} days`}>
                {buckets.map((b, i) => {
                  let y = height;
                  const x = i * (barWidth + gap);
                  const label = `${formatDate(b.start, "utcDayMonth")}: ${OUTCOMES.filter((o) => b.counts[o])
                    .map((o) => `${b.counts[o]} ${OUTCOME_LABEL[o].toLowerCase()}`)
                    .join(", ") || "none"}`;
                  return (
                    <g key={String(b.start)}>
                      <title>{label}</title>
                      <rect x={x} y={0} width={barWidth} height={height} fill="transparent" />
                      {OUTCOMES.map((o) => {
                        const h = (b.counts[o] / max) * height;
                        if (!h) return null;
                        y -= h;
                        return <rect key={o} x={x} y={y} width={barWidth} height={h} fill={OUTCOME_COLOR[o]} />;
                      })}
                      {buckets.length <= 14 || i % Math.ceil(buckets.length / 10) === 0 ? (
                        <text x={x + barWidth / 2} y={height + 13} textAnchor="middle" fontSize="10" fill="#64748b">
                          {formatDate(b.start, "utcDayMonth")}
                        </text>
                      ) : null}
                    </g>
                  );
                })}
              </svg>
            )
          ) : null}
          <ul className="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" aria-label="Legend">
            {OUTCOMES.map((o) => (
              <li key={o} className="flex items-center gap-1.5">
                <span className="inline-block size-2.5 rounded-sm" style={{ backgroundColor: OUTCOME_COLOR[o] }} aria-hidden />
                {OUTCOME_LABEL[o]}
              </li>
            ))}
          </ul>
          <p className="mt-1 text-xs text-slate-500">
            A received message has one entry; a sent one has one when it is queued and one per delivery attempt.
          </p>
        </div>
      </Card>
    </section>
  );
}
