"use client";
import { useQuery } from "@tanstack/react-query";
import { roundTripWords } from "@/server/gateway-health/forwarding-status";
import { ArrowRight, Loader2 } from "lucide-react";
import Link from "next/link";
import { Alert } from "../ui/alert";
import { Card, CardHeader } from "../ui/card";
import { formatDateTime } from "../ui/format-date";
import { useTRPC } from "../trpc/client";
import { InboundChart } from "./inbound-chart";
import { LevelBadge, LevelIcon, overallWords } from "./level";

const REFRESH_MS = 30_000;

function ageWords(seconds: number | null): string {
  if (seconds === null) return "none waiting";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/**
 * The Health page (R-HEALTH-3): the overall state, then one row per check saying in plain words what is the case
 * and linking to the screen that fixes it, then the details: forwarding per watched address, inbound volume,
 * outbound queue and bounces. Refreshes every 30 seconds.
 */
export function HealthScreen() {
  const trpc = useTRPC();
  const summary = useQuery({ ...trpc.health.summary.queryOptions(), refetchInterval: REFRESH_MS });
  if (summary.isPending) {
    return (
      <p role="status" className="flex items-center gap-2 text-sm text-slate-500">
        <Loader2 className="size-4 animate-spin" aria-hidden /> Checking the gateway…
      </p>
    );
  }
  if (summary.isError) return <Alert>Could not load the health checks: {summary.error.message}</Alert>;
  const s = summary.data;
  const problems = s.items.filter((i) => i.level === "problem" || i.level === "warn");
  return (
    <div className="space-y-6">
      <Card>
        <div className="flex items-center gap-3 px-5 py-4" data-testid="health-overall" data-level={s.level}>
          <LevelIcon level={s.level} className="size-7" />
          <div className="min-w-0">
            <h2 className="text-base font-semibold text-slate-900">{overallWords[s.level]}</h2>
            <p className="text-sm text-slate-500">
              {problems.length ? `${problems.length} check${problems.length === 1 ? "" : "s"} need${problems.length === 1 ? "s" : ""} attention.` : "Every check passed."}{" "}
              Checked {formatDateTime(s.checkedAt)}.
            </p>
          </div>
        </div>
      </Card>

      <Card>
        <CardHeader title="Checks" description="Each check says what is wrong and where to fix it." />
        <ul className="divide-y divide-slate-100">
          {s.items.map((item) => (
            <li key={item.key} className="flex flex-wrap items-start gap-x-3 gap-y-2 px-5 py-3" data-testid="health-item" data-level={item.level}>
              <LevelIcon level={item.level} />
              <div className="min-w-0 flex-1 basis-56">
                <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
                  <span className="break-all">{item.title}</span> <LevelBadge level={item.level} />
                </p>
                <p className="mt-0.5 text-sm break-words text-slate-600">{item.summary}</p>
              </div>
              {item.level === "ok" ? null : (
                <Link href={item.href} className="inline-flex items-center gap-1 text-sm font-medium text-indigo-600 hover:text-indigo-500">
                  {item.level === "info" ? "Set up" : "Fix"} <ArrowRight className="size-4" aria-hidden />
                </Link>
              )}
            </li>
          ))}
        </ul>
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader title="Forwarding canary" description="A check mailed to each public support address every few hours; it must come back through your forward within 15 minutes." />
          {s.forwarding.length ? (
            <table className="w-full text-sm">
              <thead className="text-left text-xs text-slate-500">
                <tr>
                  <th className="px-5 py-2 font-medium">Address</th>
                  <th className="px-2 py-2 font-medium">Last round trip</th>
                  <th className="px-5 py-2 text-right font-medium">Latency</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {s.forwarding.map((f) => (
                  <tr key={f.address}>
                    <td className="px-5 py-2 break-all text-slate-900">{f.address}</td>
                    <td className="px-2 py-2 text-slate-600">{formatDateTime(f.lastArrivedAt, "never")}</td>
                    <td className="px-5 py-2 text-right text-slate-600">{f.lastLatencyMs === null ? "–" : roundTripWords(f.lastLatencyMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="px-5 py-4 text-sm text-slate-600">
              No address watched yet. <Link href="/settings/email-gateway/inbound" className="font-medium text-indigo-600">Add your public support address</Link>.
            </p>
          )}
        </Card>

        <Card>
          <CardHeader title="Outbound queue" description="Replies and automatic mail waiting to be delivered." />
          <dl className="grid grid-cols-3 gap-4 px-5 py-4 text-sm">
            <div>
              <dt className="text-slate-500">Waiting</dt>
              <dd className="text-lg font-semibold text-slate-900">{s.queue.depth}</dd>
            </div>
            <div>
              <dt className="text-slate-500">Oldest</dt>
              <dd className="text-lg font-semibold text-slate-900">{ageWords(s.queue.oldestAgeSeconds)}</dd>
            </div>
            <div>
              <dt className="text-slate-500">Deferred</dt>
              <dd className="text-lg font-semibold text-slate-900">{s.queue.deferred}</dd>
            </div>
            <div className="col-span-3 text-slate-600">
              Bounced in 24 h: {s.bounces24h.bounced} of {s.bounces24h.bounced + s.bounces24h.delivered} delivered or bounced.
            </div>
          </dl>
        </Card>
      </div>

      <Card>
        <CardHeader title="Inbound mail" description={s.inbound.rule} />
        <div className="px-5 py-4">
          <InboundChart perDay={s.inbound.perDay} />
          <p className="mt-2 text-sm text-slate-600">Last client mail: {formatDateTime(s.inbound.lastAt, "none in 14 days")}.</p>
        </div>
      </Card>
    </div>
  );
}
