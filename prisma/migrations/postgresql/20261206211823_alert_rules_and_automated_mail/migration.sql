-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "foldWindowHours" INTEGER NOT NULL DEFAULT 24,
ADD COLUMN     "newTicketsPerSenderHour" INTEGER NOT NULL DEFAULT 30;

-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN     "automated" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "subjectKey" TEXT;

-- AlterTable
ALTER TABLE "ActivityLog" ADD COLUMN     "alertRuleId" TEXT,
ADD COLUMN     "decisionsJson" TEXT;

-- CreateTable
CREATE TABLE "AlertRule" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "senderKind" TEXT,
    "senderValue" TEXT,
    "subjectMode" TEXT,
    "subjectValue" TEXT,
    "headerName" TEXT,
    "headerValue" TEXT,
    "action" TEXT NOT NULL,
    "clientId" TEXT,
    "ticketStatus" TEXT,
    "matchCount" INTEGER NOT NULL DEFAULT 0,
    "lastMatchAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertRule_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AlertRule_tenantId_position_idx" ON "AlertRule"("tenantId", "position");

-- CreateIndex
CREATE INDEX "Ticket_tenantId_requesterId_status_createdAt_idx" ON "Ticket"("tenantId", "requesterId", "status", "createdAt");

-- AddForeignKey
ALTER TABLE "AlertRule" ADD CONSTRAINT "AlertRule_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertRule" ADD CONSTRAINT "AlertRule_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertRule" ADD CONSTRAINT "AlertRule_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

