/**
 * The one date formatter of the screens (en-GB): every date or time a page shows goes through formatDate with one
 * of these named formats, so two screens never show the same moment two ways. Local formats are in the viewer's
 * time zone; `utc*` ones are for calendar days the server counts in UTC (report days, chart buckets).
 */
const FORMATS = {
  /** "6 Dec 2026, 14:05" */
  dateTime: { dateStyle: "medium", timeStyle: "short" },
  /** "6 Dec 2026, 14:05:09" */
  dateTimeSeconds: { dateStyle: "medium", timeStyle: "medium" },
  /** "Sunday 6 December 2026 at 14:05" */
  longDateTime: { dateStyle: "full", timeStyle: "short" },
  /** "6 Dec, 14:05" */
  shortDateTime: { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" },
  /** "14:05:09" */
  time: { timeStyle: "medium" },
  /** "14:05" */
  shortTime: { timeStyle: "short" },
  /** "6 Dec" */
  dayMonth: { day: "numeric", month: "short" },
  /** "6 Dec 2026" (UTC) */
  utcDate: { dateStyle: "medium", timeZone: "UTC" },
  /** "6 Dec" (UTC) */
  utcDayMonth: { day: "numeric", month: "short", timeZone: "UTC" },
  /** "Sun 6 Dec" (UTC) */
  utcWeekdayDayMonth: { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" },
  /** "6" (UTC) */
  utcDayOfMonth: { day: "numeric", timeZone: "UTC" },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

export type DateFormat = keyof typeof FORMATS;

const formatters = new Map<DateFormat, Intl.DateTimeFormat>();

/** `d` in the named format; `empty` for a missing date. */
export function formatDate(d: Date | string | number | null | undefined, format: DateFormat = "dateTime", empty = ""): string {
  if (d === null || d === undefined || d === "") return empty;
  let f = formatters.get(format);
  if (!f) formatters.set(format, (f = new Intl.DateTimeFormat("en-GB", FORMATS[format])));
  return f.format(new Date(d));
}

/** A date with its time ("6 Dec 2026, 14:05"); `empty` for a missing one. */
export function formatDateTime(d: Date | string | null | undefined, empty = ""): string {
  return formatDate(d, "dateTime", empty);
}
