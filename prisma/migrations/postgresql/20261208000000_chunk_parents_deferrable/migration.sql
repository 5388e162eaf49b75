-- A large inbound message's chunks are written before its tenant lock is taken, and so before the MessageSource and
-- Attachment rows they belong to (server/inbound/store-inbound-message.ts, issue 15): the lock is then not held
-- while some 35 MB of chunks are written, and the tenant's other mail does not wait for them. The inbound
-- transaction defers these two checks to its commit (SET CONSTRAINTS … DEFERRED); every other transaction still
-- checks at once (INITIALLY IMMEDIATE). Hand-written: Prisma's schema cannot say DEFERRABLE. PostgreSQL only: on
-- SQLite the chunks are written after their rows (server/db/chunked-bytes.ts, writesChunksAhead).
ALTER TABLE "MessageSourceChunk" ALTER CONSTRAINT "MessageSourceChunk_messageId_fkey" DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE "AttachmentChunk" ALTER CONSTRAINT "AttachmentChunk_attachmentId_fkey" DEFERRABLE INITIALLY IMMEDIATE;
