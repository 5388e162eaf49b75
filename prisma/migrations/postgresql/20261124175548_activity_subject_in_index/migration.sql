-- DropIndex
DROP INDEX "ActivityLog_tenantId_createdAt_id_idx";

-- CreateIndex
CREATE INDEX "ActivityLog_tenantId_createdAt_id_subject_idx" ON "ActivityLog"("tenantId", "createdAt", "id", "subject");

