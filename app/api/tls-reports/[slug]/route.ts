import { CLIENT_IP_HEADER } from "@/server/auth/client-ip";
import { getDb } from "@/server/web/runtime";
import { MAX_POST_BYTES, receiveTlsReportPost } from "@/server/tls-reports/receive-tls-report-post";

export const dynamic = "force-dynamic";

function text(status: number, message: string, retryAfterSeconds?: number): Response {
  return new Response(`${message}\n`, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      ...(retryAfterSeconds ? { "retry-after": String(retryAfterSeconds) } : {}),
    },
  });
}

/** Reads the body up to `limit` bytes; null when it is larger. */
async function readLimited(req: Request, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) return null;
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** TLS-RPT reports by HTTPS POST (RFC 8460, R-STS-3). No session: reporters are other mail servers. */
export async function POST(req: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const body = await readLimited(req, MAX_POST_BYTES);
  if (!body) return text(413, "The report is larger than 1 MB.");
  try {
    const result = await receiveTlsReportPost(getDb(), {
      slug,
      contentType: req.headers.get("content-type"),
      body,
      // Set by the web server from the socket and TRUSTED_PROXIES (scripts/web-server.ts), never by the client.
      sourceIp: req.headers.get(CLIENT_IP_HEADER) ?? "unknown",
    });
    return text(result.status, result.message, "retryAfterSeconds" in result ? result.retryAfterSeconds : undefined);
  } catch (err) {
    console.error("TLS report POST failed:", err);
    return text(503, "The report could not be stored just now. Try again later.");
  }
}
