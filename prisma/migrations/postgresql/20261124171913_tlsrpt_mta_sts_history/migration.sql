-- AlterTable
ALTER TABLE "TlsReport" ADD COLUMN     "contactInfo" TEXT,
ADD COLUMN     "parseError" TEXT,
ADD COLUMN     "source" TEXT NOT NULL DEFAULT 'EMAIL';

-- CreateTable
CREATE TABLE "MtaStsPolicyChange" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "policyId" TEXT NOT NULL,
    "changedById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MtaStsPolicyChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MtaStsPolicyChange_tenantId_createdAt_idx" ON "MtaStsPolicyChange"("tenantId", "createdAt");

-- AddForeignKey
ALTER TABLE "MtaStsPolicyChange" ADD CONSTRAINT "MtaStsPolicyChange_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MtaStsPolicyChange" ADD CONSTRAINT "MtaStsPolicyChange_changedById_fkey" FOREIGN KEY ("changedById") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

