/**
 * What a spam and malware scan decided about one inbound message (R-SPAM-1), as stored on the message
 * (Message.scanJson) and the Spam queue item, and shown on the badge and in the activity detail.
 */
import { z } from "zod";

export const scanVerdict = z.object({
  /** clean: under the threshold, no malware; spam / malware: quarantined; not-scanned: a scanner was down (SPAM_FAIL_OPEN). */
  status: z.enum(["clean", "spam", "malware", "not-scanned"]),
  /** rspamd's score and action; absent when rspamd is not configured. */
  score: z.number().optional(),
  action: z.string().optional(),
  /** The tenant's threshold the score was compared with. */
  threshold: z.number().optional(),
  /** rspamd symbols that fired, highest score first. */
  symbols: z.array(z.object({ name: z.string(), score: z.number() })).optional(),
  /** clamd's signature name. */
  malware: z.string().optional(),
  /** Why it was not scanned (the scanner's error). */
  error: z.string().optional(),
  /** Released from the Spam queue by a person. */
  released: z.boolean().optional(),
});
export type ScanVerdict = z.infer<typeof scanVerdict>;

/** Reads a stored verdict; null when absent or unreadable (old rows, hand edits). */
export function readScanVerdict(json: string | null | undefined): ScanVerdict | null {
  if (!json) return null;
  try {
    const parsed = scanVerdict.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The activity reason and decision line (R-SPAM-2): "spam 15/6 GTUBE …", "malware Eicar-Test-Signature". */
export function describeScan(v: ScanVerdict): string {
  if (v.status === "malware") return `malware ${v.malware ?? "unknown"}`;
  if (v.status === "not-scanned") return `not scanned (${v.error ?? "scanner unavailable"}; SPAM_FAIL_OPEN)`;
  const symbols = (v.symbols ?? []).slice(0, 8).map((s) => s.name).join(" ");
  const score = `${round(v.score ?? 0)}/${round(v.threshold ?? 0)}`;
  const prefix = v.status === "spam" ? "spam" : v.released ? "released from the Spam queue; scored" : "scanned: score";
  return `${prefix} ${score}${symbols ? ` ${symbols}` : ""}`;
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}
