-- AlterTable
ALTER TABLE "TlsReport" ADD COLUMN     "authenticated" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "sourceIp" TEXT;

-- CreateTable
CREATE TABLE "SignInThrottle" (
    "email" TEXT NOT NULL,
    "failures" INTEGER NOT NULL,
    "lastFailureAt" TIMESTAMP(3) NOT NULL,
    "lockedUntil" TIMESTAMP(3),

    CONSTRAINT "SignInThrottle_pkey" PRIMARY KEY ("email")
);

-- CreateIndex
CREATE INDEX "SignInThrottle_lastFailureAt_idx" ON "SignInThrottle"("lastFailureAt");

-- CreateIndex
CREATE INDEX "TlsReport_tenantId_source_createdAt_idx" ON "TlsReport"("tenantId", "source", "createdAt");

