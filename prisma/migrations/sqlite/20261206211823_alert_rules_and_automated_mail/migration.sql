-- AlterTable
ALTER TABLE "ActivityLog" ADD COLUMN "alertRuleId" TEXT;
ALTER TABLE "ActivityLog" ADD COLUMN "decisionsJson" TEXT;

-- CreateTable
CREATE TABLE "AlertRule" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "lastMatchAt" DATETIME,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "AlertRule_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "AlertRule_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "AlertRule_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "user" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- AlterTable (ADD COLUMN rather than Prisma's table rebuild: the columns go last either way, and a rebuild would
-- drop whatever triggers other migrations hang on these tables)
ALTER TABLE "Tenant" ADD COLUMN "foldWindowHours" INTEGER NOT NULL DEFAULT 24;
ALTER TABLE "Tenant" ADD COLUMN "newTicketsPerSenderHour" INTEGER NOT NULL DEFAULT 30;
ALTER TABLE "Ticket" ADD COLUMN "automated" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Ticket" ADD COLUMN "subjectKey" TEXT;

-- CreateIndex
CREATE INDEX "AlertRule_tenantId_position_idx" ON "AlertRule"("tenantId", "position");
CREATE INDEX "Ticket_tenantId_requesterId_status_createdAt_idx" ON "Ticket"("tenantId", "requesterId", "status", "createdAt");
