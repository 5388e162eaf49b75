import { formatDate, formatDateTime } from "../ui/format-date";

const numberFormat = new Intl.NumberFormat("en-GB");

export function count(n: number): string {
  return numberFormat.format(n);
}

/** "97.5 %" of a part of a whole; an em dash when there is no whole. */
export function share(part: number, whole: number): string {
  if (!whole) return "—";
  const p = (part / whole) * 100;
  return `${p >= 99.95 || p === 0 ? p.toFixed(0) : p.toFixed(1)} %`;
}

export function day(d: Date | string | null | undefined): string {
  return formatDate(d, "utcDate", "—");
}

export function shortDay(d: Date | string): string {
  return formatDate(d, "utcDayMonth");
}

export function when(d: Date | string | null | undefined): string {
  return formatDateTime(d, "—");
}

export function dateRange(begin: Date | string | null, end: Date | string | null): string {
  if (!begin && !end) return "—";
  const b = day(begin);
  const e = day(end);
  return b === e ? b : `${b} – ${e}`;
}

export const PERIOD_LABEL = {
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  "90d": "Last 90 days",
  "365d": "Last 12 months",
  all: "All time",
} as const;
export type Period = keyof typeof PERIOD_LABEL;
