-- AlterTable
ALTER TABLE "OutboundJob" ADD COLUMN "bouncedRecipients" TEXT;
ALTER TABLE "OutboundJob" ADD COLUMN "dataRecipients" TEXT;
ALTER TABLE "OutboundJob" ADD COLUMN "dataSentAt" DATETIME;

