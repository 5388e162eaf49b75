-- Ticket.replyToken was written and never read: reply addresses are HMACs of the ticket id, checked without it.
-- DROP COLUMN rather than Prisma's table rebuild: a rebuild written against an older schema would drop the columns
-- and triggers later migrations hang on Ticket. The unique index goes first (SQLite refuses to drop an indexed column).
DROP INDEX "Ticket_replyToken_key";
ALTER TABLE "Ticket" DROP COLUMN "replyToken";
