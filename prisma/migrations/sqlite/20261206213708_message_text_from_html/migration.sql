-- AlterTable
-- Written as a plain ADD COLUMN (SQLite allows NOT NULL with a constant default) instead of the generated table
-- redefinition, which would copy every message and drop the table's dependants.
ALTER TABLE "Message" ADD COLUMN "textFromHtml" BOOLEAN NOT NULL DEFAULT false;
