-- CreateTable
CREATE TABLE "DmarcReportJob" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "fileName" TEXT,
    "bytes" BYTEA NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" TIMESTAMP(3),
    "result" TEXT,
    "activityId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DmarcReportJob_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DmarcReportJob_state_createdAt_idx" ON "DmarcReportJob"("state", "createdAt");

-- CreateIndex
CREATE INDEX "DmarcReportJob_tenantId_createdAt_idx" ON "DmarcReportJob"("tenantId", "createdAt");

-- AddForeignKey
ALTER TABLE "DmarcReportJob" ADD CONSTRAINT "DmarcReportJob_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

