/**
 * The HTTPS side of TLS-RPT (RFC 8460 §3 `https:` rua, §5.4): a reporter POSTs one report to
 * `/api/tls-reports/<slug>` on the tenant's policy host, as `application/tlsrpt+json` or
 * `application/tlsrpt+gzip`. Same parser and store as reports by mail (store-tls-report.ts).
 */
import type { Db } from "../db/client";
import { storeTlsReport } from "./store-tls-report";

/** Bodies larger than this are refused before they are read in full (413). Real reports are kilobytes. */
export const MAX_POST_BYTES = 1024 * 1024;

const ACCEPTED_TYPES = ["application/tlsrpt+json", "application/tlsrpt+gzip", "application/json", "application/gzip"];

export type ReceiveTlsReportResult =
  { status: 201 | 200; message: string } | { status: 400 | 404 | 415; message: string };

/** Whether a POST's Content-Type is one a TLS report comes as. */
export function isTlsReportContentType(contentType: string | null): boolean {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return ACCEPTED_TYPES.includes(type);
}

/**
 * Stores a POSTed report for the tenant named by `slug`: 201 stored, 200 already received, 400 unreadable
 * (kept with its reason), 404 unknown tenant, 415 wrong content type.
 */
export async function receiveTlsReportPost(
  db: Db,
  args: { slug: string; contentType: string | null; body: Buffer },
): Promise<ReceiveTlsReportResult> {
  const tenant = await db.tenant.findUnique({ where: { slug: args.slug.toLowerCase() }, select: { id: true } });
  if (!tenant) return { status: 404, message: "No such report endpoint." };
  if (!isTlsReportContentType(args.contentType)) {
    return { status: 415, message: "Send the report as application/tlsrpt+json or application/tlsrpt+gzip." };
  }
  const result = await storeTlsReport(db, { tenantId: tenant.id, bytes: args.body, source: "HTTPS" });
  if (result.status === "unreadable")
    return { status: 400, message: `The report could not be read: ${result.reason}.` };
  return result.status === "stored"
    ? { status: 201, message: `Stored report ${result.reportId}.` }
    : { status: 200, message: `Report ${result.reportId} was already received.` };
}
