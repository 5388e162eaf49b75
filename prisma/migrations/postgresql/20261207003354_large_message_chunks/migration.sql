-- CreateTable
CREATE TABLE "MessageSourceChunk" (
    "messageId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "MessageSourceChunk_pkey" PRIMARY KEY ("messageId","seq")
);

-- CreateTable
CREATE TABLE "AttachmentChunk" (
    "attachmentId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "AttachmentChunk_pkey" PRIMARY KEY ("attachmentId","seq")
);

-- AddForeignKey
ALTER TABLE "MessageSourceChunk" ADD CONSTRAINT "MessageSourceChunk_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "MessageSource"("messageId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AttachmentChunk" ADD CONSTRAINT "AttachmentChunk_attachmentId_fkey" FOREIGN KEY ("attachmentId") REFERENCES "Attachment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

