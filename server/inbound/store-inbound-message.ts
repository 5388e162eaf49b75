/**
 * The received message on its ticket: the Message row (with what authentication found), its raw source and its
 * attachments. `dedupeKey` is unique: a second arrival of the same message to the same recipients fails here,
 * and the whole transaction with it (R-IN-10).
 */
import {
  ATTACHMENT_CHUNKS,
  deferChunkParents,
  deleteChunks,
  isChunked,
  SOURCE_CHUNKS,
  writeChunks,
  writesChunksAhead,
} from "../db/chunked-bytes";
import { newRowId } from "../db/raw-sql";
import { columnsOf, preparedQuery } from "../db/prepared";
import { sqlOf, type Sql, type SqlConn } from "../db/sql";
import type { DB } from "../db/generated/kysely/types";
import type { Insertable } from "kysely";
import type { AuthenticationResult } from "../mail/authenticate";
import type { MailClass } from "../mail/automatic-mail";
import type { ReceivedMessage } from "./received-message";

function authJson(auth: AuthenticationResult): string | null {
  try {
    const json = JSON.stringify(auth);
    return json.length > 256 * 1024 ? JSON.stringify({ ...auth, details: "(too large to keep)" }) : json;
  } catch {
    return null;
  }
}

/** Auto-replies and reports kept on the ticket they answer are AUTOMATIC; automated notifications AUTOMATED. */
const MESSAGE_KIND: Record<MailClass, string> = {
  human: "REPLY",
  automated: "AUTOMATED",
  "auto-reply": "AUTOMATIC",
  report: "AUTOMATIC",
};

// Every column is given on every insert, so each statement has one shape and is compiled once.
const MESSAGE_COLUMNS = [
  "id",
  "tenantId",
  "ticketId",
  "direction",
  "kind",
  "messageIdHeader",
  "inReplyTo",
  "references",
  "threadTopic",
  "threadIndex",
  "fromAddress",
  "fromName",
  "toJson",
  "ccJson",
  "subject",
  "sentAt",
  "textBody",
  "newText",
  "htmlBody",
  "headersJson",
  "spf",
  "dkim",
  "dmarc",
  "arc",
  "authJson",
  "scanJson",
  "dedupeKey",
  "textFromHtml",
  "createdAt",
] as const;
type Row<T, K extends keyof Insertable<T>> = { [C in K]-?: Exclude<Insertable<T>[C], undefined> };
const insertMessage = preparedQuery((db, p: Row<DB["Message"], (typeof MESSAGE_COLUMNS)[number]>) =>
  db.insertInto("Message").values(columnsOf(p, MESSAGE_COLUMNS)),
);
const insertSource = preparedQuery((db, p: { messageId: string; raw: Uint8Array }) =>
  db.insertInto("MessageSource").values({ messageId: p.messageId, raw: p.raw }),
);
const ATTACHMENT_COLUMNS = [
  "id",
  "tenantId",
  "messageId",
  "filename",
  "contentType",
  "size",
  "contentId",
  "inline",
  "sha256",
  "content",
  "createdAt",
] as const;
const insertAttachment = preparedQuery((db, p: Row<DB["Attachment"], (typeof ATTACHMENT_COLUMNS)[number]>) =>
  db.insertInto("Attachment").values(columnsOf(p, ATTACHMENT_COLUMNS)),
);

/** The ids the message's rows will have, and whether their chunks were written ahead of them. */
export type LargeValues = { messageId: string; attachmentIds: string[]; written: boolean };

/**
 * PostgreSQL: writes the message's large values (its raw source, its attachments over CHUNK_VALUES_OVER) as
 * chunks, first in the inbound transaction, before the tenant lock: a 20 MB message is some 35 MB of chunks, and
 * while the lock is held the tenant's other mail waits (issue 15). storeInboundMessage then writes the rows they
 * belong to, or, when the mail is not stored after all (dropped, its tenant gone), discardLargeValues deletes them; a
 * chunk with no row fails the commit. On SQLite (see writesChunksAhead), and for a message with no large value,
 * nothing is written here: storeInboundMessage writes the chunks after their rows.
 */
export async function writeLargeValues(conn: SqlConn, m: ReceivedMessage): Promise<LargeValues> {
  const values = { messageId: newRowId(), attachmentIds: m.parsed.attachments.map(() => newRowId()), written: false };
  const tx = sqlOf(conn);
  if (!writesChunksAhead(tx) || !hasLargeValue(m)) return values;
  await deferChunkParents(tx);
  await writeMessageChunks(tx, m, values);
  return { ...values, written: true };
}

/** Deletes what writeLargeValues wrote, for a message that was not stored. */
export async function discardLargeValues(conn: SqlConn, values: LargeValues): Promise<void> {
  if (!values.written) return;
  const tx = sqlOf(conn);
  await deleteChunks(tx, SOURCE_CHUNKS, values.messageId);
  for (const id of values.attachmentIds) await deleteChunks(tx, ATTACHMENT_CHUNKS, id);
}

function hasLargeValue(m: ReceivedMessage): boolean {
  return isChunked(m.input.raw) || m.parsed.attachments.some((f) => isChunked(f.content));
}

async function writeMessageChunks(tx: Sql, m: ReceivedMessage, values: LargeValues): Promise<void> {
  if (isChunked(m.input.raw)) await writeChunks(tx, SOURCE_CHUNKS, values.messageId, m.input.raw);
  for (const [i, f] of m.parsed.attachments.entries()) {
    if (isChunked(f.content)) await writeChunks(tx, ATTACHMENT_CHUNKS, values.attachmentIds[i]!, f.content);
  }
}

/** Stores the message on `ticketId`, its large values written by writeLargeValues; resolves with its id. */
export async function storeInboundMessage(
  conn: SqlConn,
  m: ReceivedMessage,
  values: LargeValues,
  a: { tenantId: string; ticketId: string; sender: string | null; mailClass: MailClass; dedupeKey: string; now: Date },
): Promise<string> {
  const { parsed, input, auth } = m;
  const { tenantId } = a;
  const { messageId } = values;
  const tx = sqlOf(conn);
  await insertMessage.defer(tx, {
    id: messageId,
    tenantId,
    ticketId: a.ticketId,
    direction: "INBOUND",
    kind: MESSAGE_KIND[a.mailClass],
    messageIdHeader: parsed.messageId,
    inReplyTo: parsed.inReplyTo,
    references: parsed.references.join(" ") || null,
    threadTopic: parsed.threadTopic,
    threadIndex: parsed.threadIndex,
    fromAddress: parsed.from?.address ?? a.sender ?? "",
    fromName: parsed.from?.name || null,
    toJson: JSON.stringify(parsed.to),
    ccJson: JSON.stringify(parsed.cc),
    subject: parsed.subject,
    sentAt: input.receivedAt,
    textBody: parsed.text,
    newText: parsed.newText,
    htmlBody: parsed.html,
    headersJson: JSON.stringify(parsed.headers),
    spf: auth.spf,
    dkim: auth.dkim,
    dmarc: auth.dmarc,
    arc: auth.arc,
    authJson: authJson(auth),
    scanJson: m.scan ? JSON.stringify(m.scan) : null,
    dedupeKey: a.dedupeKey,
    // HTML-only mail opens Formatted (B2).
    textFromHtml: parsed.textFromHtml,
    createdAt: a.now,
  });
  // Large values go in chunks (server/db/chunked-bytes.ts), written ahead (writeLargeValues) or after the rows;
  // their rows keep an empty value.
  await insertSource.defer(tx, { messageId, raw: isChunked(input.raw) ? new Uint8Array(0) : input.raw });
  for (const [i, f] of parsed.attachments.entries()) {
    const id = values.attachmentIds[i]!;
    const chunked = isChunked(f.content);
    await insertAttachment.defer(tx, {
      id,
      tenantId,
      messageId,
      filename: f.filename.slice(0, 255),
      contentType: f.contentType.slice(0, 255),
      size: f.size,
      contentId: f.contentId,
      inline: f.inline,
      sha256: f.sha256,
      content: chunked ? new Uint8Array(0) : f.content,
      createdAt: a.now,
    });
  }
  if (!values.written && hasLargeValue(m)) await writeMessageChunks(tx, m, values);
  return messageId;
}
