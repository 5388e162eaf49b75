import type { ScanVerdict } from "@/server/spam/scan-verdict";
import { Badge } from "../ui/badge";

/** The symbols that fired, one a line, for the badge's hover text and screen readers. */
export function scanDetail(scan: ScanVerdict): string {
  if (scan.status === "malware") return `ClamAV found ${scan.malware ?? "malware"}; its files cannot be downloaded.`;
  if (scan.status === "not-scanned") return `Not scanned: ${scan.error ?? "a scanner was unavailable"}.`;
  const lines = (scan.symbols ?? []).map((s) => `${s.name} ${s.score > 0 ? "+" : ""}${s.score}`);
  const head = `rspamd score ${scan.score ?? "?"} (threshold ${scan.threshold ?? "?"}, action ${scan.action ?? "?"})`;
  return [head, ...lines].join("\n");
}

/**
 * R-SPAM-1: the scan on a ticket message or Spam queue item; hovering (or focusing) shows the symbols.
 */
export function ScanBadge({ scan }: { scan: ScanVerdict }) {
  const detail = scanDetail(scan);
  const label =
    scan.status === "malware"
      ? "Malware"
      : scan.status === "not-scanned"
        ? "Not scanned"
        : `${scan.status === "spam" ? (scan.released ? "Released spam" : "Spam") : "Spam score"} ${scan.score ?? ""}`.trim();
  const tone = scan.status === "malware" ? "red" : scan.status === "spam" || scan.status === "not-scanned" ? "amber" : "slate";
  return (
    <span tabIndex={0} title={detail} aria-label={`${label}. ${detail.replace(/\n/g, "; ")}`} data-testid="scan-badge" className="rounded-md focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500">
      <Badge tone={tone}>{label}</Badge>
    </span>
  );
}
