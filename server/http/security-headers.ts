/**
 * The headers every response of the web app carries (issue 19 item 7), applied by `proxy.ts`:
 *
 * - pages: a Content-Security-Policy whose scripts must carry the request's nonce (Next.js reads the nonce from
 *   the request's CSP header and puts it on its own scripts; 'strict-dynamic' lets those load the chunks they
 *   import), nothing from other origins, no plugins, no <base> or form posts elsewhere, and no framing;
 * - every response: X-Frame-Options DENY and frame-ancestors 'none' (no clickjacking, not even same-site),
 *   nosniff, a Referrer-Policy that sends no path to other sites, and no powerful browser features;
 * - the mail-content routes (a message's HTML, its source, attachments) are left to set their own, stricter
 *   policy (sandboxed, nothing runs; the message HTML may be framed by the ticket page only).
 */

/** Routes that set their own, stricter headers; the proxy leaves them alone. */
export const MAIL_CONTENT_PREFIXES = ["/api/messages/", "/api/attachments/"] as const;

export function isMailContentPath(pathname: string): boolean {
  return MAIL_CONTENT_PREFIXES.some((prefix) => pathname.startsWith(prefix));
}

/** A fresh, unguessable nonce for one response. */
export function createNonce(): string {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/** The CSP of an app page. `dev` adds what `next dev` needs (eval for React's debugging, its HMR socket). */
export function pageCsp(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Styles may be inline: style="" attributes and the <style> elements components and the browser's own form
    // controls insert cannot carry a nonce, and a style cannot run code. Scripts stay nonce-only.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Headers for every response the proxy handles (pages and non-mail API routes). */
export const COMMON_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
  "Cross-Origin-Opener-Policy": "same-origin",
};

/** The CSP of an API response that is not mail content: it is data, nothing in it may be framed. */
export const API_CSP = "frame-ancestors 'none'";
