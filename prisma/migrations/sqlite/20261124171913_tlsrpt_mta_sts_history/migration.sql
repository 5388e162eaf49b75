-- CreateTable
CREATE TABLE "MtaStsPolicyChange" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "policyId" TEXT NOT NULL,
    "changedById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "MtaStsPolicyChange_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "MtaStsPolicyChange_changedById_fkey" FOREIGN KEY ("changedById") REFERENCES "user" ("id") ON DELETE SET NULL ON UPDATE CASCADE
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
    "parseError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "TlsReport_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_TlsReport" ("createdAt", "dateBegin", "dateEnd", "detailsJson", "failureCount", "id", "orgName", "policyDomain", "raw", "reportId", "successCount", "tenantId") SELECT "createdAt", "dateBegin", "dateEnd", "detailsJson", "failureCount", "id", "orgName", "policyDomain", "raw", "reportId", "successCount", "tenantId" FROM "TlsReport";
DROP TABLE "TlsReport";
ALTER TABLE "new_TlsReport" RENAME TO "TlsReport";
CREATE INDEX "TlsReport_tenantId_dateBegin_idx" ON "TlsReport"("tenantId", "dateBegin");
CREATE UNIQUE INDEX "TlsReport_tenantId_orgName_reportId_key" ON "TlsReport"("tenantId", "orgName", "reportId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "MtaStsPolicyChange_tenantId_createdAt_idx" ON "MtaStsPolicyChange"("tenantId", "createdAt");

