-- CreateTable
CREATE TABLE "SignInThrottle" (
    "email" TEXT NOT NULL PRIMARY KEY,
    "failures" INTEGER NOT NULL,
    "lastFailureAt" DATETIME NOT NULL,
    "lockedUntil" DATETIME
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_TlsReport" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "orgName" TEXT NOT NULL,
    "reportId" TEXT NOT NULL,
    "dateBegin" DATETIME,
    "dateEnd" DATETIME,
    "policyDomain" TEXT,
    "successCount" INTEGER NOT NULL DEFAULT 0,
    "failureCount" INTEGER NOT NULL DEFAULT 0,
    "detailsJson" TEXT,
    "raw" TEXT NOT NULL,
    "contactInfo" TEXT,
    "source" TEXT NOT NULL DEFAULT 'EMAIL',
    "authenticated" BOOLEAN NOT NULL DEFAULT false,
    "sourceIp" TEXT,
    "parseError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "TlsReport_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_TlsReport" ("contactInfo", "createdAt", "dateBegin", "dateEnd", "detailsJson", "failureCount", "id", "orgName", "parseError", "policyDomain", "raw", "reportId", "source", "successCount", "tenantId") SELECT "contactInfo", "createdAt", "dateBegin", "dateEnd", "detailsJson", "failureCount", "id", "orgName", "parseError", "policyDomain", "raw", "reportId", "source", "successCount", "tenantId" FROM "TlsReport";
DROP TABLE "TlsReport";
ALTER TABLE "new_TlsReport" RENAME TO "TlsReport";
CREATE INDEX "TlsReport_tenantId_dateBegin_idx" ON "TlsReport"("tenantId", "dateBegin");
CREATE INDEX "TlsReport_tenantId_source_createdAt_idx" ON "TlsReport"("tenantId", "source", "createdAt");
CREATE UNIQUE INDEX "TlsReport_tenantId_orgName_reportId_key" ON "TlsReport"("tenantId", "orgName", "reportId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "SignInThrottle_lastFailureAt_idx" ON "SignInThrottle"("lastFailureAt");

