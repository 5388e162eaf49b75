-- CreateTable
CREATE TABLE "twoFactor" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "secret" TEXT NOT NULL,
    "backupCodes" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "verified" BOOLEAN NOT NULL DEFAULT true,
    "failedVerificationCount" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" DATETIME,
    CONSTRAINT "twoFactor_userId_fkey" FOREIGN KEY ("userId") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Tenant" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "defaultFromAddress" TEXT,
    "defaultFromName" TEXT,
    "autoAckEnabled" BOOLEAN NOT NULL DEFAULT true,
    "autoAckSubject" TEXT,
    "autoAckTemplate" TEXT,
    "autoAckPerSenderHour" INTEGER NOT NULL DEFAULT 3,
    "mtaStsMode" TEXT NOT NULL DEFAULT 'testing',
    "mtaStsPolicyId" TEXT NOT NULL,
    "mtaStsMaxAge" INTEGER NOT NULL DEFAULT 604800,
    "activityRetentionDays" INTEGER NOT NULL DEFAULT 90,
    "ticketSeq" INTEGER NOT NULL DEFAULT 0,
    "requireTwoFactor" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Tenant" ("activityRetentionDays", "autoAckEnabled", "autoAckPerSenderHour", "autoAckSubject", "autoAckTemplate", "createdAt", "defaultFromAddress", "defaultFromName", "id", "mtaStsMaxAge", "mtaStsMode", "mtaStsPolicyId", "name", "slug", "ticketSeq", "updatedAt") SELECT "activityRetentionDays", "autoAckEnabled", "autoAckPerSenderHour", "autoAckSubject", "autoAckTemplate", "createdAt", "defaultFromAddress", "defaultFromName", "id", "mtaStsMaxAge", "mtaStsMode", "mtaStsPolicyId", "name", "slug", "ticketSeq", "updatedAt" FROM "Tenant";
DROP TABLE "Tenant";
ALTER TABLE "new_Tenant" RENAME TO "Tenant";
CREATE UNIQUE INDEX "Tenant_slug_key" ON "Tenant"("slug");
CREATE TABLE "new_user" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "emailVerified" BOOLEAN NOT NULL DEFAULT false,
    "image" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "tenantId" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'TECHNICIAN',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "sendAsAddress" TEXT,
    "sendAsName" TEXT,
    "twoFactorEnabled" BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT "user_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_user" ("createdAt", "disabled", "email", "emailVerified", "id", "image", "name", "role", "sendAsAddress", "sendAsName", "tenantId", "updatedAt") SELECT "createdAt", "disabled", "email", "emailVerified", "id", "image", "name", "role", "sendAsAddress", "sendAsName", "tenantId", "updatedAt" FROM "user";
DROP TABLE "user";
ALTER TABLE "new_user" RENAME TO "user";
CREATE UNIQUE INDEX "user_email_key" ON "user"("email");
CREATE INDEX "user_tenantId_role_idx" ON "user"("tenantId", "role");
CREATE TABLE "new_OutboundJob" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "messageId" TEXT,
    "envelopeFrom" TEXT NOT NULL,
    "recipients" TEXT NOT NULL,
    "raw" BLOB NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'QUEUED',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedBy" TEXT,
    "lockedUntil" DATETIME,
    "lastReply" TEXT,
    "dataSentAt" DATETIME,
    "dataRecipients" TEXT,
    "bouncedRecipients" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "OutboundJob_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "OutboundJob_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_OutboundJob" ("attempts", "bouncedRecipients", "createdAt", "dataRecipients", "dataSentAt", "envelopeFrom", "id", "lastReply", "lockedBy", "lockedUntil", "messageId", "nextAttemptAt", "raw", "recipients", "state", "tenantId", "updatedAt") SELECT "attempts", "bouncedRecipients", "createdAt", "dataRecipients", "dataSentAt", "envelopeFrom", "id", "lastReply", "lockedBy", "lockedUntil", "messageId", "nextAttemptAt", "raw", "recipients", "state", "tenantId", "updatedAt" FROM "OutboundJob";
DROP TABLE "OutboundJob";
ALTER TABLE "new_OutboundJob" RENAME TO "OutboundJob";
CREATE INDEX "OutboundJob_state_nextAttemptAt_idx" ON "OutboundJob"("state", "nextAttemptAt");
CREATE INDEX "OutboundJob_messageId_idx" ON "OutboundJob"("messageId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "twoFactor_secret_idx" ON "twoFactor"("secret");

-- CreateIndex
CREATE INDEX "twoFactor_userId_idx" ON "twoFactor"("userId");

