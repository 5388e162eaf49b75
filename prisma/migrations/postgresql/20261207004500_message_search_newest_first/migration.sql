-- Search newest first inside a tenant (issue 21 item 3, server/tickets/search-tickets.ts): a search ranks the
-- tenant's newest matching messages. For a common word the planner walks this index backwards and checks each
-- message's "searchVector" until it has the window (a few thousand rows, whatever the table size) instead of
-- reading every match the GIN index lists and sorting them by date; a rare word still goes through the GIN index.
-- Hand-written: Prisma's schema does not know "searchVector" and the search reads this index only from raw SQL.
-- SQLite needs no counterpart: FTS5 walks its doclists newest first by itself.
CREATE INDEX "Message_tenantId_createdAt_idx" ON "Message" ("tenantId", "createdAt");
