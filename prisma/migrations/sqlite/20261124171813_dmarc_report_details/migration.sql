-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_DmarcReport" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "orgName" TEXT NOT NULL,
    "email" TEXT,
    "reportId" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "dateBegin" DATETIME,
    "dateEnd" DATETIME,
    "policyJson" TEXT,
    "raw" TEXT NOT NULL,
    "parseError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" TEXT NOT NULL DEFAULT 'mail',
    "fileName" TEXT,
    "rawEncoding" TEXT NOT NULL DEFAULT 'text',
    "problemsJson" TEXT,
    "recordCount" INTEGER NOT NULL DEFAULT 0,
    "messageCount" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "DmarcReport_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_DmarcReport" ("createdAt", "dateBegin", "dateEnd", "domain", "email", "id", "orgName", "parseError", "policyJson", "raw", "reportId", "tenantId") SELECT "createdAt", "dateBegin", "dateEnd", "domain", "email", "id", "orgName", "parseError", "policyJson", "raw", "reportId", "tenantId" FROM "DmarcReport";
DROP TABLE "DmarcReport";
ALTER TABLE "new_DmarcReport" RENAME TO "DmarcReport";
CREATE INDEX "DmarcReport_tenantId_domain_dateBegin_idx" ON "DmarcReport"("tenantId", "domain", "dateBegin");
CREATE UNIQUE INDEX "DmarcReport_tenantId_orgName_reportId_key" ON "DmarcReport"("tenantId", "orgName", "reportId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

