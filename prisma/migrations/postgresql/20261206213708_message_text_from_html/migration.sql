-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "textFromHtml" BOOLEAN NOT NULL DEFAULT false;

