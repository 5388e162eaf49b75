-- Full-text search over messages (issue 21 item 3, B1 of issue 20), hand-written: Prisma's schema cannot express
-- an FTS5 table. An external-content FTS5 index over "Message" (the text is not stored twice; snippet() reads it
-- back from "Message" by rowid). Triggers keep it in step inside whatever transaction writes a message: inbound
-- ingest (raw SQL), acknowledgements, replies, notes. A merge moves messages by changing "ticketId", which is not
-- indexed: the search joins back to "Message" for the ticket, so merged messages are found on the survivor.
-- unicode61 folds case over all of Unicode ("überweisung" = "ÜBERWEISUNG"); diacritics are kept
-- (remove_diacritics 0) to match PostgreSQL, which has no unaccent by default.
-- Should "Message" ever be VACUUMed (its rowids may then change), rebuild the index afterwards:
--   INSERT INTO "MessageSearch"("MessageSearch") VALUES ('rebuild');
-- "tenantId" is indexed too (one token), so a search intersects the tenant's messages inside FTS5 and can walk the
-- tenant's matches newest first (rowid order) and stop early (server/tickets/search-tickets.ts).
CREATE VIRTUAL TABLE "MessageSearch" USING fts5(
  "subject", "fromName", "fromAddress", "newText", "textBody", "tenantId",
  content = 'Message', content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 0'
);

INSERT INTO "MessageSearch"("MessageSearch") VALUES ('rebuild');

CREATE TRIGGER "Message_search_insert" AFTER INSERT ON "Message" BEGIN
  INSERT INTO "MessageSearch"(rowid, "subject", "fromName", "fromAddress", "newText", "textBody", "tenantId")
  VALUES (new.rowid, new."subject", new."fromName", new."fromAddress", new."newText", new."textBody", new."tenantId");
END;

CREATE TRIGGER "Message_search_delete" AFTER DELETE ON "Message" BEGIN
  INSERT INTO "MessageSearch"("MessageSearch", rowid, "subject", "fromName", "fromAddress", "newText", "textBody", "tenantId")
  VALUES ('delete', old.rowid, old."subject", old."fromName", old."fromAddress", old."newText", old."textBody", old."tenantId");
END;

CREATE TRIGGER "Message_search_update" AFTER UPDATE OF "subject", "fromName", "fromAddress", "newText", "textBody", "tenantId" ON "Message" BEGIN
  INSERT INTO "MessageSearch"("MessageSearch", rowid, "subject", "fromName", "fromAddress", "newText", "textBody", "tenantId")
  VALUES ('delete', old.rowid, old."subject", old."fromName", old."fromAddress", old."newText", old."textBody", old."tenantId");
  INSERT INTO "MessageSearch"(rowid, "subject", "fromName", "fromAddress", "newText", "textBody", "tenantId")
  VALUES (new.rowid, new."subject", new."fromName", new."fromAddress", new."newText", new."textBody", new."tenantId");
END;
