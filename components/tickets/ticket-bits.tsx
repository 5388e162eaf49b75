"use client";
import type { ReactNode } from "react";
import { Badge } from "../ui/badge";
import { formatDate, formatDateTime } from "../ui/format-date";

export type TicketStatus = "OPEN" | "PENDING" | "CLOSED";
export const STATUS_LABEL: Record<TicketStatus, string> = { OPEN: "Open", PENDING: "Pending", CLOSED: "Closed" };
const STATUS_TONE: Record<TicketStatus, "indigo" | "amber" | "slate"> = {
  OPEN: "indigo",
  PENDING: "amber",
  CLOSED: "slate",
};

export function StatusBadge({ status }: { status: TicketStatus }) {
  return <Badge tone={STATUS_TONE[status]}>{STATUS_LABEL[status]}</Badge>;
}


export function fullDate(d: Date | string): string {
  return formatDateTime(d);
}

/** "14:05" today, "3 May" this year, the full date otherwise; the exact time on hover. */
export function RelativeDate({ value }: { value: Date | string }) {
  const d = new Date(value);
  const now = new Date();
  const text =
    d.toDateString() === now.toDateString()
      ? formatDate(d, "shortTime")
      : d.getFullYear() === now.getFullYear()
        ? formatDate(d, "dayMonth")
        : formatDateTime(d);
  return (
    <time dateTime={d.toISOString()} title={fullDate(d)}>
      {text}
    </time>
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function mailboxText(m: { address: string; name: string | null }): string {
  return m.name ? `${m.name} <${m.address}>` : m.address;
}

export function Initials({ name, tone = "slate" }: { name: string; tone?: "slate" | "indigo" }): ReactNode {
  const letters =
    name
      .replace(/<.*>/, "")
      .split(/[\s@._-]+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((p) => p[0]?.toUpperCase())
      .join("") || "?";
  return (
    <span
      aria-hidden
      className={
        tone === "indigo"
          ? "inline-flex size-9 shrink-0 items-center justify-center rounded-full bg-indigo-600 text-xs font-semibold text-white"
          : "inline-flex size-9 shrink-0 items-center justify-center rounded-full bg-slate-200 text-xs font-semibold text-slate-700"
      }
    >
      {letters}
    </span>
  );
}
