-- AlterTable
ALTER TABLE "Message" ADD COLUMN "scanJson" TEXT;

-- CreateTable
CREATE TABLE "QuarantinedMessage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "scanJson" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "envelopeFrom" TEXT NOT NULL,
    "recipients" TEXT NOT NULL,
    "fromAddress" TEXT,
    "subject" TEXT NOT NULL,
    "remoteIp" TEXT NOT NULL,
    "helo" TEXT,
    "raw" BLOB NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "ticketNumber" INTEGER,
    CONSTRAINT "QuarantinedMessage_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- AlterTable (hand-written: never rebuild Tenant)
ALTER TABLE "Tenant" ADD COLUMN "spamThreshold" REAL;
ALTER TABLE "Tenant" ADD COLUMN "spamRetentionDays" INTEGER NOT NULL DEFAULT 30;

-- CreateIndex
CREATE UNIQUE INDEX "QuarantinedMessage_dedupeKey_key" ON "QuarantinedMessage"("dedupeKey");

-- CreateIndex
CREATE INDEX "QuarantinedMessage_tenantId_createdAt_id_idx" ON "QuarantinedMessage"("tenantId", "createdAt", "id");

