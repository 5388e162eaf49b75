-- DropIndex
DROP INDEX "Ticket_tenantId_requesterId_idx";

-- CreateIndex
CREATE INDEX "Ticket_tenantId_requesterId_createdAt_idx" ON "Ticket"("tenantId", "requesterId", "createdAt");

