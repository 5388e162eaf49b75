"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { SENDING_DOMAINS_PATH } from "../sending-domains/sending-domains-screen";
import { useTRPC } from "../trpc/client";

/**
 * The exact From the reply will go out with, before Send (R-UX-1): the tenant's gateway address until a verified
 * sending domain is chosen, with the way to set one up; or why sending would be refused (R-OUT-2).
 */
export function FromPreview({ ticketId }: { ticketId: string }) {
  const trpc = useTRPC();
  const from = useQuery(trpc.tickets.replyFrom.queryOptions({ ticketId }));

  if (from.isPending) {
    return (
      <p className="text-sm text-slate-500" data-testid="reply-from" aria-busy>
        From: <span className="inline-block h-3 w-56 animate-pulse rounded bg-slate-200 align-middle" />
        <span className="sr-only">Loading the sending address…</span>
      </p>
    );
  }
  if (from.isError) {
    return (
      <p className="text-sm text-red-700" data-testid="reply-from">
        Could not load the sending address: {from.error.message}
      </p>
    );
  }
  const data = from.data;
  if (!data.ok) {
    return (
      <div className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200 ring-inset" data-testid="reply-from">
        <p>{data.message}</p>
        <p className="mt-1">
          <Link href={SENDING_DOMAINS_PATH} className="font-medium text-amber-900 underline hover:text-amber-700">
            Settings → Email gateway → Sending domains
          </Link>
        </p>
      </div>
    );
  }
  return (
    <div className="text-sm" data-testid="reply-from">
      <p>
        <span className="text-slate-500">From </span>
        <span className="font-medium text-slate-900" data-testid="reply-from-address">
          {data.name ? `${data.name} <${data.address}>` : data.address}
        </span>
      </p>
      {data.source === "gateway" ? (
        <p className="mt-1 text-slate-500">
          Your gateway address, until you verify your own domain and choose it as the default support address under{" "}
          <Link href={SENDING_DOMAINS_PATH} className="font-medium text-indigo-600 hover:text-indigo-500">
            Settings → Email gateway → Sending domains
          </Link>
          .
        </p>
      ) : null}
    </div>
  );
}
