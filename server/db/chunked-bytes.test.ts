/**
 * Large values in chunk rows (server/db/chunked-bytes.ts, issue 19 item 13) on every test database: written in
 * the caller's Kysely transaction (several chunks per statement) or Prisma transaction and read back byte for
 * byte, with the event loop served between every 1 MiB of chunks (issue 15 item 8: on SQLite each statement is synchronous, so the chunks of a 20 MB message were one
 * macrotask).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { countTurns } from "../../test/support/event-loop-turns";
import { createTenantRow } from "../../test/support/gateway-data";
import { newRowId } from "./raw-sql";
import {
  BYTES_CHUNK,
  deferChunkParents,
  deleteChunks,
  isChunked,
  readChunks,
  SOURCE_CHUNKS,
  writeChunks,
  writesChunksAhead,
} from "./chunked-bytes";
import { sqlTransaction } from "./sql";

describe.each(testProviders())("chunked bytes on %s", (provider) => {
  let t: TestDatabase;
  let tenantId: string;
  let n = 0;

  /** A message with an empty source row, for chunks of its own. */
  async function newSource(): Promise<string> {
    n += 1;
    const ticket = await t.db.ticket.create({ data: { tenantId, number: n, subject: "Backup report" } });
    const message = await t.db.message.create({
      data: {
        tenantId,
        ticketId: ticket.id,
        direction: "INBOUND",
        messageIdHeader: `backup-${n}@client.example`,
        fromAddress: "backup@client.example",
        subject: "Backup report",
      },
    });
    await t.db.messageSource.create({ data: { messageId: message.id, raw: new Uint8Array(0) } });
    return message.id;
  }

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantId = (await createTenantRow(t.db, "chunks")).id;
  }, 60_000);

  afterAll(async () => {
    await t?.drop();
  });

  it("issue 15 item 8: a 5 MB value is written a 1 MiB of chunks per turn of the event loop, and read back exactly", async () => {
    const messageId = await newSource();
    const bytes = randomBytes(5 * 1024 * 1024 + 123);
    expect(isChunked(bytes)).toBe(true);
    // Only the writes are counted: the counter starts inside the transaction, once it holds the connection.
    let counter: ReturnType<typeof countTurns> | undefined;
    await sqlTransaction(t.db, async (trx) => {
      counter = countTurns();
      await writeChunks(trx, SOURCE_CHUNKS, messageId, bytes);
      counter.stop();
    });
    const chunks = Math.ceil(bytes.length / BYTES_CHUNK);
    expect(counter?.turns).toBeGreaterThanOrEqual(Math.floor(chunks / 16));
    const back = await readChunks(t.db, SOURCE_CHUNKS, messageId);
    expect(back.equals(bytes)).toBe(true);
  });

  it("issue 19 item 13: through a Prisma transaction too (one chunk per statement), read back exactly", async () => {
    const messageId = await newSource();
    const bytes = randomBytes(2 * 1024 * 1024 + 5);
    await t.db.$transaction((tx) => writeChunks(tx, SOURCE_CHUNKS, messageId, bytes));
    expect((await readChunks(t.db, SOURCE_CHUNKS, messageId)).equals(bytes)).toBe(true);
  });

  it("issue 15: chunks are written ahead of their rows on PostgreSQL only", async () => {
    await sqlTransaction(t.db, async (trx) => {
      expect(writesChunksAhead(trx)).toBe(provider === "postgresql");
      if (provider === "sqlite") await expect(deferChunkParents(trx)).rejects.toThrow(/PostgreSQL only/);
    });
  });

  it.runIf(provider === "postgresql")(
    "issue 15: with deferChunkParents, chunks are written before their row and the commit checks that it came",
    async () => {
      const bytes = randomBytes(BYTES_CHUNK * 3 + 7);
      // Written first, the row after: one transaction, committed.
      const messageId = await sqlTransaction(t.db, async (trx) => {
        await deferChunkParents(trx);
        const id = await newSourceIn(trx);
        await writeChunks(trx, SOURCE_CHUNKS, id.ahead, bytes);
        await trx
          .insertInto("MessageSource")
          .values({ messageId: id.ahead, raw: new Uint8Array(0) })
          .execute();
        return id.ahead;
      });
      expect((await readChunks(t.db, SOURCE_CHUNKS, messageId)).equals(bytes)).toBe(true);

      // No row came: the commit fails and nothing is kept.
      const orphan = newRowId();
      await expect(
        sqlTransaction(t.db, async (trx) => {
          await deferChunkParents(trx);
          await writeChunks(trx, SOURCE_CHUNKS, orphan, bytes);
        }),
      ).rejects.toThrow(/foreign key/i);
      expect((await readChunks(t.db, SOURCE_CHUNKS, orphan)).length).toBe(0);

      // No row came, and its chunks were deleted: the commit succeeds.
      await sqlTransaction(t.db, async (trx) => {
        await deferChunkParents(trx);
        await writeChunks(trx, SOURCE_CHUNKS, orphan, bytes);
        await deleteChunks(trx, SOURCE_CHUNKS, orphan);
      });
      expect((await readChunks(t.db, SOURCE_CHUNKS, orphan)).length).toBe(0);
    },
  );

  it("issue 15: without deferChunkParents a chunk before its row still fails at once", async () => {
    await expect(
      sqlTransaction(t.db, (trx) => writeChunks(trx, SOURCE_CHUNKS, newRowId(), randomBytes(10))),
    ).rejects.toThrow(/foreign key/i);
  });

  /** A message row (with its ticket) in `trx`, no source row yet: `ahead` is its id, for chunks written first. */
  async function newSourceIn(trx: Parameters<Parameters<typeof sqlTransaction>[1]>[0]): Promise<{ ahead: string }> {
    n += 1;
    const ticketId = newRowId();
    const now = new Date();
    await trx
      .insertInto("Ticket")
      .values({ id: ticketId, tenantId, number: n, subject: "Backup report", createdAt: now, updatedAt: now })
      .execute();
    const id = newRowId();
    await trx
      .insertInto("Message")
      .values({
        id,
        tenantId,
        ticketId,
        direction: "INBOUND",
        messageIdHeader: `ahead-${n}@client.example`,
        fromAddress: "backup@client.example",
        subject: "Backup report",
        createdAt: now,
      })
      .execute();
    return { ahead: id };
  }
});
