-- DropIndex
DROP INDEX "Ticket_replyToken_key";

-- AlterTable
ALTER TABLE "Ticket" DROP COLUMN "replyToken";

