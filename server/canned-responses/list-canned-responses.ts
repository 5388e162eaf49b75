import type { Db } from "../db/client";
import { PLACEHOLDERS } from "./render-placeholders";

/** The tenant's canned responses by title, and the placeholders they may use (R-UX-3). */
export async function listCannedResponses(db: Db, tenantId: string) {
  const items = await db.cannedResponse.findMany({
    where: { tenantId },
    orderBy: [{ title: "asc" }, { id: "asc" }],
    select: { id: true, title: true, body: true, updatedAt: true },
  });
  const placeholders = Object.entries(PLACEHOLDERS).map(([name, p]) => ({ name, description: p.description }));
  return { items, placeholders };
}
