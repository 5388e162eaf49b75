/** The one date-and-time format of the screens: "6 Dec 2026, 14:05" in the viewer's time zone. */
const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });

/** A date with its time; `empty` for a missing one. */
export function formatDateTime(d: Date | string | null | undefined, empty = ""): string {
  return d ? dateTime.format(new Date(d)) : empty;
}
