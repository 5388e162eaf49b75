/**
 * A message to the tenant's TLS-report mailbox (R-STS-3) → stored reports. RFC 8460 §5.3 sends the report as a
 * `multipart/report; report-type=tlsrpt` message with an `application/tlsrpt+gzip` or `application/tlsrpt+json`
 * part. Reporters vary: some label the part `application/tlsrpt`, `application/gzip` or
 * `application/octet-stream`, or only the file name says `.json.gz`; a few put the JSON in the body. Every
 * candidate part is parsed by the one parser (parse-tls-report.ts) the HTTPS endpoint uses too.
 */
import type { Db } from "../db/client";
import type { AuthenticationResult } from "../mail/authenticate";
import { storeTlsReport, type StoreTlsReportResult } from "./store-tls-report";

export type ReportPart = { filename: string; contentType: string; content: Buffer };

/** The parts of a message that carry a TLS report. */
export function tlsReportParts(message: { attachments: ReportPart[]; text: string }): Buffer[] {
  const parts = message.attachments.filter((a) => {
    const type = a.contentType.toLowerCase();
    const name = a.filename.toLowerCase();
    return (
      type.startsWith("application/tlsrpt") ||
      /\.json(\.gz)?$/.test(name) ||
      ((type === "application/gzip" || type === "application/x-gzip" || type === "application/octet-stream") &&
        a.content[0] === 0x1f &&
        a.content[1] === 0x8b)
    );
  });
  if (parts.length) return parts.map((a) => a.content);
  const body = message.text.trim();
  return body.startsWith("{") ? [Buffer.from(body, "utf8")] : [];
}

/**
 * Whether a report mail comes from who it says (issue 19 item 11): RFC 8460 §5.3 has reporters sign report mail
 * with DKIM; a signature that verified for the From domain (aligned) makes its reports authenticated.
 */
export function isAuthenticatedReportMail(auth: Pick<AuthenticationResult, "details">): boolean {
  return auth.details.dkim.some((signature) => signature.result === "pass" && signature.aligned);
}

/**
 * Stores every report in the message. A message with no report in it is kept as one unreadable report (its
 * body), so the admin sees that mail arrived and why nothing was counted.
 */
export async function ingestTlsReportMail(
  db: Db,
  args: { tenantId: string; attachments: ReportPart[]; text: string; raw: Buffer; authenticated: boolean },
): Promise<StoreTlsReportResult[]> {
  const parts = tlsReportParts(args);
  if (!parts.length) {
    return [
      await storeTlsReport(db, {
        tenantId: args.tenantId,
        bytes: args.raw,
        source: "EMAIL",
        authenticated: args.authenticated,
        parsed: {
          ok: false,
          reason: "the message carries no TLS report (no application/tlsrpt part)",
          text: args.raw.toString("utf8"),
        },
      }),
    ];
  }
  const results: StoreTlsReportResult[] = [];
  for (const bytes of parts)
    results.push(
      await storeTlsReport(db, { tenantId: args.tenantId, bytes, source: "EMAIL", authenticated: args.authenticated }),
    );
  return results;
}

/** One line for the activity log: what the message's reports came to. */
export function describeTlsReportResults(results: StoreTlsReportResult[]): string {
  return results
    .map((r) =>
      r.status === "unreadable"
        ? `TLS report unreadable: ${r.reason}${r.duplicate ? " (already received)" : ""}`
        : `TLS report ${r.status === "stored" ? "stored" : "already received"}: ${r.orgName} ${r.reportId}`,
    )
    .join("; ");
}
