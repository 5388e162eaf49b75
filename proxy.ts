/**
 * Next.js proxy (middleware): security headers on every response (server/http/security-headers.ts, issue 19
 * item 7). A page gets a per-request nonce in its CSP; Next.js reads it from the request's CSP header and puts
 * it on the scripts it renders. Only wiring here.
 */
import { NextResponse, type NextRequest } from "next/server";
import {
  API_CSP,
  COMMON_SECURITY_HEADERS,
  createNonce,
  isMailContentPath,
  pageCsp,
} from "@/server/http/security-headers";

export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (isMailContentPath(pathname)) return NextResponse.next();
  let response: NextResponse;
  let csp: string;
  if (pathname.startsWith("/api/")) {
    csp = API_CSP;
    response = NextResponse.next();
  } else {
    csp = pageCsp(createNonce(), process.env.NODE_ENV === "development");
    const requestHeaders = new Headers(request.headers);
    requestHeaders.set("Content-Security-Policy", csp);
    response = NextResponse.next({ request: { headers: requestHeaders } });
  }
  response.headers.set("Content-Security-Policy", csp);
  for (const [name, value] of Object.entries(COMMON_SECURITY_HEADERS)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Everything but the build's static files (immutable JS/CSS, served by Next itself).
  matcher: ["/((?!_next/static|_next/image).*)"],
};
