-- Full-text search over messages (issue 21 item 3, B1 of issue 20), hand-written: Prisma's schema cannot express
-- a tsvector. A generated column is computed by the database in the same statement that writes the message, so
-- every write path (inbound ingest through raw SQL, acknowledgements, replies, notes) keeps it in step in its own
-- transaction; a merge only changes "ticketId", which the search joins through.
-- 'simple' configuration: no stemming and no stop words, so names, addresses and device names match as written;
-- it lower-cases with the database's LC_CTYPE (a UTF-8 locale such as C.UTF-8 or en_US.UTF-8 folds all of
-- Unicode). '@', '.', '_', '/', ':' and '-' become spaces first, as SQLite's unicode61 tokenizer splits there:
-- "bob@contoso.com" is searchable by its parts, and "LT-1001" is "lt" and "1001", not "lt" and the number -1001.
-- Long bodies are indexed up to 200,000 characters (a tsvector is limited to 1 MB).
-- Weights: subject A, sender and new text B, full text D.
ALTER TABLE "Message" ADD COLUMN "searchVector" tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('simple'::regconfig, translate(coalesce("subject", ''), '@._/:-', '      ')), 'A') ||
  setweight(to_tsvector('simple'::regconfig, translate(coalesce("fromName", '') || ' ' || coalesce("fromAddress", ''), '@._/:-', '      ')), 'B') ||
  setweight(to_tsvector('simple'::regconfig, translate(left(coalesce("newText", ''), 200000), '@._/:-', '      ')), 'B') ||
  setweight(to_tsvector('simple'::regconfig, translate(left(coalesce("textBody", ''), 200000), '@._/:-', '      ')), 'D')
) STORED;

CREATE INDEX "Message_searchVector_idx" ON "Message" USING GIN ("searchVector");
