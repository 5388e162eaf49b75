"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "../trpc/client";
import { LevelIcon, overallWords } from "./level";

/** R-HEALTH-3: the admins' compact health line on Tickets, linking to the Health page. */
export function HealthSummaryCard() {
  const trpc = useTRPC();
  const summary = useQuery({ ...trpc.health.summary.queryOptions(), refetchInterval: 60_000 });
  if (!summary.data) return null;
  const s = summary.data;
  const attention = s.items.filter((i) => i.level === "problem" || i.level === "warn");
  return (
    <Link
      href="/settings/email-gateway/health"
      className="mb-4 flex items-center gap-2 rounded-lg bg-white px-4 py-2.5 text-sm shadow-sm ring-1 ring-slate-200 hover:bg-slate-50"
      data-testid="health-summary"
    >
      <LevelIcon level={s.level} className="size-4 shrink-0" />
      <span className="font-medium text-slate-900">Gateway health:</span>
      <span className="min-w-0 truncate text-slate-600">{attention.length ? attention.map((i) => i.title).join(", ") : overallWords[s.level]}</span>
    </Link>
  );
}
