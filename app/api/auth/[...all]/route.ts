import { getAuth } from "@/server/auth/web";

export const dynamic = "force-dynamic";

// Resolved per request, not at import: `next build` loads route modules and must not open the database.
export function GET(req: Request) {
  return getAuth().handler(req);
}

export function POST(req: Request) {
  return getAuth().handler(req);
}
