-- The message search index ("MessageSearch", FTS5) is filled in batches (server/search/message-search-index.ts),
-- no longer by a trigger inside every message's transaction (issue 15). Hand-written, like the index itself.
--
-- Why: FTS5 writes a new index segment at every commit that changed it and merges segments as they pile up, so one
-- message per transaction cost most of an inbound message's database time (its commit, and the merges). A batch
-- of messages makes one segment.
--
-- "MessageSearchProgress"."indexedThrough" is the highest "Message" rowid the index holds; every message above it
-- waits for the next batch, and every one at or below it is indexed. So the delete and update triggers touch the
-- index only for messages at or below it, and a message inserted at or below it (SQLite reuses the highest rowid
-- after the newest message is deleted) is indexed at once by the insert trigger, which never fires otherwise.
-- After a VACUUM (rowids may change), rebuild and move the mark to the end:
--   INSERT INTO "MessageSearch"("MessageSearch") VALUES ('rebuild');
--   UPDATE "MessageSearchProgress" SET "indexedThrough" = (SELECT COALESCE(MAX(rowid), 0) FROM "Message");
CREATE TABLE "MessageSearchProgress" (
  "id" INTEGER NOT NULL PRIMARY KEY CHECK ("id" = 1),
  "indexedThrough" INTEGER NOT NULL
);
INSERT INTO "MessageSearchProgress" ("id", "indexedThrough") SELECT 1, COALESCE(MAX(rowid), 0) FROM "Message";

DROP TRIGGER "Message_search_insert";
DROP TRIGGER "Message_search_delete";
DROP TRIGGER "Message_search_update";

CREATE TRIGGER "Message_search_insert" AFTER INSERT ON "Message"
WHEN new.rowid <= (SELECT "indexedThrough" FROM "MessageSearchProgress" WHERE "id" = 1) BEGIN
  INSERT INTO "MessageSearch"(rowid, "subject", "fromName", "fromAddress", "newText", "textBody", "tenantId")
  VALUES (new.rowid, new."subject", new."fromName", new."fromAddress", new."newText", new."textBody", new."tenantId");
END;

CREATE TRIGGER "Message_search_delete" AFTER DELETE ON "Message"
WHEN old.rowid <= (SELECT "indexedThrough" FROM "MessageSearchProgress" WHERE "id" = 1) BEGIN
  INSERT INTO "MessageSearch"("MessageSearch", rowid, "subject", "fromName", "fromAddress", "newText", "textBody", "tenantId")
  VALUES ('delete', old.rowid, old."subject", old."fromName", old."fromAddress", old."newText", old."textBody", old."tenantId");
END;

CREATE TRIGGER "Message_search_update" AFTER UPDATE OF "subject", "fromName", "fromAddress", "newText", "textBody", "tenantId" ON "Message"
WHEN old.rowid <= (SELECT "indexedThrough" FROM "MessageSearchProgress" WHERE "id" = 1) BEGIN
  INSERT INTO "MessageSearch"("MessageSearch", rowid, "subject", "fromName", "fromAddress", "newText", "textBody", "tenantId")
  VALUES ('delete', old.rowid, old."subject", old."fromName", old."fromAddress", old."newText", old."textBody", old."tenantId");
  INSERT INTO "MessageSearch"(rowid, "subject", "fromName", "fromAddress", "newText", "textBody", "tenantId")
  VALUES (new.rowid, new."subject", new."fromName", new."fromAddress", new."newText", new."textBody", new."tenantId");
END;
