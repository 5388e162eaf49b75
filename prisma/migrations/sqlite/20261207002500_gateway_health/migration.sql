-- CreateTable
CREATE TABLE "CanaryAddress" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "CanaryAddress_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ForwardingCanary" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "addressId" TEXT NOT NULL,
    "sentAt" DATETIME NOT NULL,
    "arrivedAt" DATETIME,
    "latencyMs" INTEGER,
    "missedAt" DATETIME,
    "outboundJobId" TEXT,
    CONSTRAINT "ForwardingCanary_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ForwardingCanary_addressId_fkey" FOREIGN KEY ("addressId") REFERENCES "CanaryAddress" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "HealthIncident" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "href" TEXT NOT NULL,
    "openedAt" DATETIME NOT NULL,
    "lastAlertAt" DATETIME,
    "resolvedAt" DATETIME,
    CONSTRAINT "HealthIncident_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- AlterTable
-- A plain ADD COLUMN (SQLite allows NOT NULL with a constant default) instead of the generated table
-- redefinition, which would drop columns other migrations add to Tenant.
ALTER TABLE "Tenant" ADD COLUMN "canaryIntervalMinutes" INTEGER NOT NULL DEFAULT 360;

-- CreateIndex
CREATE UNIQUE INDEX "CanaryAddress_tenantId_address_key" ON "CanaryAddress"("tenantId", "address");

-- CreateIndex
CREATE INDEX "ForwardingCanary_addressId_sentAt_idx" ON "ForwardingCanary"("addressId", "sentAt");

-- CreateIndex
CREATE INDEX "ForwardingCanary_tenantId_arrivedAt_idx" ON "ForwardingCanary"("tenantId", "arrivedAt");

-- CreateIndex
CREATE INDEX "HealthIncident_tenantId_resolvedAt_idx" ON "HealthIncident"("tenantId", "resolvedAt");

