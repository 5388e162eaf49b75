/**
 * The HTTPS side of TLS-RPT (RFC 8460 §3 `https:` rua, §5.4): a reporter POSTs one report to
 * `/api/tls-reports/<slug>` on the tenant's policy host, as `application/tlsrpt+json` or
 * `application/tlsrpt+gzip`. Same parser and store as reports by mail (store-tls-report.ts).
 */
import type { Db } from "../db/client";
import { storeTlsReport } from "./store-tls-report";

/**
 * POSTed reports stored per hour (issue 19 item 11): per tenant and client address, and per tenant from all
 * addresses together. A reporter sends one report a day per policy domain; anything near these is not one.
 * Counted from the stored rows (readable or not), so the limit holds across web nodes and restarts.
 */
export const TLS_REPORT_POST_LIMIT = { perSourceHour: 10, perTenantHour: 100 } as const;
const HOUR_MS = 3_600_000;

/** Bodies larger than this are refused before they are read in full (413). Real reports are kilobytes. */
export const MAX_POST_BYTES = 1024 * 1024;

const ACCEPTED_TYPES = ["application/tlsrpt+json", "application/tlsrpt+gzip", "application/json", "application/gzip"];

export type ReceiveTlsReportResult =
  | { status: 201 | 200; message: string }
  | { status: 400 | 404 | 415; message: string }
  | { status: 429; message: string; retryAfterSeconds: number };

/** Whether a POST's Content-Type is one a TLS report comes as. */
export function isTlsReportContentType(contentType: string | null): boolean {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return ACCEPTED_TYPES.includes(type);
}

/**
 * Stores a POSTed report for the tenant named by `slug`: 201 stored, 200 already received, 400 unreadable
 * (kept with its reason), 404 unknown tenant, 415 wrong content type, 429 over TLS_REPORT_POST_LIMIT. A POSTed
 * report is stored as unauthenticated: nothing proves who sent it.
 */
export async function receiveTlsReportPost(
  db: Db,
  args: { slug: string; contentType: string | null; body: Buffer; sourceIp: string; now?: Date },
): Promise<ReceiveTlsReportResult> {
  const tenant = await db.tenant.findUnique({ where: { slug: args.slug.toLowerCase() }, select: { id: true } });
  if (!tenant) return { status: 404, message: "No such report endpoint." };
  if (!isTlsReportContentType(args.contentType)) {
    return { status: 415, message: "Send the report as application/tlsrpt+json or application/tlsrpt+gzip." };
  }
  const since = new Date((args.now ?? new Date()).getTime() - HOUR_MS);
  const recent = { tenantId: tenant.id, source: "HTTPS", createdAt: { gte: since } };
  const [fromSource, fromAll] = await Promise.all([
    db.tlsReport.count({ where: { ...recent, sourceIp: args.sourceIp } }),
    db.tlsReport.count({ where: recent }),
  ]);
  if (fromSource >= TLS_REPORT_POST_LIMIT.perSourceHour || fromAll >= TLS_REPORT_POST_LIMIT.perTenantHour) {
    return { status: 429, message: "Too many reports for this domain. Try again later.", retryAfterSeconds: 3600 };
  }
  const result = await storeTlsReport(db, {
    tenantId: tenant.id,
    bytes: args.body,
    source: "HTTPS",
    authenticated: false,
    sourceIp: args.sourceIp,
  });
  if (result.status === "unreadable")
    return { status: 400, message: `The report could not be read: ${result.reason}.` };
  return result.status === "stored"
    ? { status: 201, message: `Stored report ${result.reportId}.` }
    : { status: 200, message: `Report ${result.reportId} was already received.` };
}
