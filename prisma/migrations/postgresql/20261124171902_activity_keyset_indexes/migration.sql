-- DropIndex
DROP INDEX "ActivityLog_tenantId_createdAt_idx";

-- DropIndex
DROP INDEX "ActivityLog_tenantId_direction_createdAt_idx";

-- DropIndex
DROP INDEX "ActivityLog_tenantId_outcome_createdAt_idx";

-- DropIndex
DROP INDEX "ActivityLog_tenantId_fromAddress_createdAt_idx";

-- DropIndex
DROP INDEX "ActivityLog_tenantId_toAddress_createdAt_idx";

-- CreateIndex
CREATE INDEX "ActivityLog_tenantId_createdAt_id_idx" ON "ActivityLog"("tenantId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "ActivityLog_tenantId_direction_createdAt_id_idx" ON "ActivityLog"("tenantId", "direction", "createdAt", "id");

-- CreateIndex
CREATE INDEX "ActivityLog_tenantId_outcome_createdAt_id_idx" ON "ActivityLog"("tenantId", "outcome", "createdAt", "id");

-- CreateIndex
CREATE INDEX "ActivityLog_tenantId_direction_outcome_createdAt_id_idx" ON "ActivityLog"("tenantId", "direction", "outcome", "createdAt", "id");

-- CreateIndex
CREATE INDEX "ActivityLog_tenantId_fromAddress_createdAt_id_idx" ON "ActivityLog"("tenantId", "fromAddress", "createdAt", "id");

-- CreateIndex
CREATE INDEX "ActivityLog_tenantId_toAddress_createdAt_id_idx" ON "ActivityLog"("tenantId", "toAddress", "createdAt", "id");

