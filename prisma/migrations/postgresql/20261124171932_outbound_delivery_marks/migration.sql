-- AlterTable
ALTER TABLE "OutboundJob" ADD COLUMN     "bouncedRecipients" TEXT,
ADD COLUMN     "dataRecipients" TEXT,
ADD COLUMN     "dataSentAt" TIMESTAMP(3);

