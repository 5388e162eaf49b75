-- AlterTable
ALTER TABLE "DmarcReport" ADD COLUMN     "storingBy" TEXT;

-- CreateIndex
CREATE INDEX "DmarcReport_storingBy_idx" ON "DmarcReport"("storingBy");

