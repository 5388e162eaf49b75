-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "canaryIntervalMinutes" INTEGER NOT NULL DEFAULT 360;

-- CreateTable
CREATE TABLE "CanaryAddress" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CanaryAddress_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ForwardingCanary" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "addressId" TEXT NOT NULL,
    "sentAt" TIMESTAMP(3) NOT NULL,
    "arrivedAt" TIMESTAMP(3),
    "latencyMs" INTEGER,
    "missedAt" TIMESTAMP(3),
    "outboundJobId" TEXT,

    CONSTRAINT "ForwardingCanary_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HealthIncident" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "href" TEXT NOT NULL,
    "openedAt" TIMESTAMP(3) NOT NULL,
    "lastAlertAt" TIMESTAMP(3),
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "HealthIncident_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CanaryAddress_tenantId_address_key" ON "CanaryAddress"("tenantId", "address");

-- CreateIndex
CREATE INDEX "ForwardingCanary_addressId_sentAt_idx" ON "ForwardingCanary"("addressId", "sentAt");

-- CreateIndex
CREATE INDEX "ForwardingCanary_tenantId_arrivedAt_idx" ON "ForwardingCanary"("tenantId", "arrivedAt");

-- CreateIndex
CREATE INDEX "HealthIncident_tenantId_resolvedAt_idx" ON "HealthIncident"("tenantId", "resolvedAt");

-- AddForeignKey
ALTER TABLE "CanaryAddress" ADD CONSTRAINT "CanaryAddress_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ForwardingCanary" ADD CONSTRAINT "ForwardingCanary_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ForwardingCanary" ADD CONSTRAINT "ForwardingCanary_addressId_fkey" FOREIGN KEY ("addressId") REFERENCES "CanaryAddress"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HealthIncident" ADD CONSTRAINT "HealthIncident_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

