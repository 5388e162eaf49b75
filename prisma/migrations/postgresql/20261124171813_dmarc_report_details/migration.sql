-- AlterTable
ALTER TABLE "DmarcReport" ADD COLUMN     "fileName" TEXT,
ADD COLUMN     "messageCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "problemsJson" TEXT,
ADD COLUMN     "rawEncoding" TEXT NOT NULL DEFAULT 'text',
ADD COLUMN     "recordCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "source" TEXT NOT NULL DEFAULT 'mail';

