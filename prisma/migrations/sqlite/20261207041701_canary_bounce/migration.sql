-- AlterTable
ALTER TABLE "ForwardingCanary" ADD COLUMN "bounceReason" TEXT;

