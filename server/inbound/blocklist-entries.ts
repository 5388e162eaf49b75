/**
 * The tenant's blocklist in force (R-IN-4), oldest entry first: read for every ticket mail, by the spam step
 * (blocked mail is not scanned) and by ingestion (blocked mail is dropped). One prepared statement
 * (server/db/prepared.ts), run outside or inside the ingest transaction.
 */
import { preparedQuery } from "../db/prepared";
import { sqlOf, type Sql, type SqlConn } from "../db/sql";
import type { BlocklistEntry } from "../mail/blocklist";

const entriesStatement = preparedQuery((db, p: { tenantId: string }) =>
  db
    .selectFrom("BlocklistEntry")
    .select(["id", "kind", "value"])
    .where("tenantId", "=", p.tenantId)
    .where("removedAt", "is", null)
    .orderBy("createdAt", "asc")
    .orderBy("id", "asc"),
);

export function blocklistInForce(db: SqlConn, tenantId: string): Promise<BlocklistEntry[]> {
  return entriesStatement.all(sqlOf(db), { tenantId });
}

/** The read of blocklistInForce, to run with others (server/db/read-together.ts). */
export function blocklistRead(db: Sql, tenantId: string) {
  return entriesStatement.bind(db, { tenantId });
}
