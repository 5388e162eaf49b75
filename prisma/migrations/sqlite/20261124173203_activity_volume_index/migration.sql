-- CreateIndex
CREATE INDEX "ActivityLog_tenantId_createdAt_outcome_idx" ON "ActivityLog"("tenantId", "createdAt", "outcome");

