"use client";
import { useQuery } from "@tanstack/react-query";
import { AlertTriangle } from "lucide-react";
import Link from "next/link";
import { useTRPC } from "../trpc/client";

/** R-HEALTH-4: open incidents as a banner on every page until they resolve. Quiet when the query fails. */
export function HealthBanner({ canFix }: { canFix: boolean }) {
  const trpc = useTRPC();
  const incidents = useQuery({ ...trpc.health.incidents.queryOptions(), refetchInterval: 60_000 });
  if (!incidents.data?.length) return null;
  return (
    <div role="alert" className="mb-6 space-y-2" data-testid="health-banner">
      {incidents.data.map((i) => (
        <div key={i.id} className="flex flex-wrap items-start gap-x-3 gap-y-1 rounded-lg bg-red-50 px-4 py-3 text-sm text-red-800 ring-1 ring-red-200 ring-inset">
          <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
          <p className="min-w-0 flex-1 basis-60 break-words">
            <span className="font-semibold">{i.title}:</span> {i.detail}
          </p>
          {canFix ? (
            <Link href={i.href} className="font-medium text-red-900 underline underline-offset-2">
              Fix it
            </Link>
          ) : null}
        </div>
      ))}
    </div>
  );
}
