-- CreateTable
CREATE TABLE "DmarcReportJob" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "fileName" TEXT,
    "bytes" BLOB NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" DATETIME,
    "result" TEXT,
    "activityId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "DmarcReportJob_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "DmarcReportJob_state_createdAt_idx" ON "DmarcReportJob"("state", "createdAt");

-- CreateIndex
CREATE INDEX "DmarcReportJob_tenantId_createdAt_idx" ON "DmarcReportJob"("tenantId", "createdAt");

