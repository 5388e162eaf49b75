import { formatDate } from "../ui/format-date";
/** How each activity outcome is named and coloured on the screen (list badges and chart share these). */
export const OUTCOMES = ["DELIVERED", "QUEUED", "DEFERRED", "BOUNCED", "DROPPED", "DUPLICATE"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const OUTCOME_LABEL: Record<Outcome, string> = {
  DELIVERED: "Delivered",
  QUEUED: "Queued",
  DEFERRED: "Deferred",
  BOUNCED: "Bounced",
  DROPPED: "Dropped",
  DUPLICATE: "Duplicate",
};

export const OUTCOME_TONE: Record<Outcome, "green" | "indigo" | "amber" | "red" | "slate"> = {
  DELIVERED: "green",
  QUEUED: "indigo",
  DEFERRED: "amber",
  BOUNCED: "red",
  DROPPED: "red",
  DUPLICATE: "slate",
};

/** Chart fill colours (Tailwind palette hex, so the SVG needs no classes). */
export const OUTCOME_COLOR: Record<Outcome, string> = {
  DELIVERED: "#10b981",
  QUEUED: "#6366f1",
  DEFERRED: "#f59e0b",
  BOUNCED: "#ef4444",
  DROPPED: "#64748b",
  DUPLICATE: "#cbd5e1",
};

export function formatWhen(d: Date | string | null | undefined): string {
  return formatDate(d, "dateTimeSeconds");
}
