/**
 * Issue 15 (the database part of an inbound message): SQLite's message search index is filled in batches behind
 * a mark (server/search/message-search-index.ts, migration 20261207150000_message_search_batched). Checked on a
 * real SQLite file: a new message waits for its batch, batches are bounded and never index a message twice,
 * edits and deletions of indexed and pending messages keep the index true (FTS5's own integrity check compares
 * it with "Message"), a rowid SQLite reuses is indexed at once, and a search finds mail of a moment ago. On
 * PostgreSQL nothing is ever pending (its index is a generated column).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { createTenantRow } from "../../../test/support/gateway-data";
import { matchTickets } from "../../tickets/search-tickets";
import { hasPendingMessages, indexAllPendingMessages, indexPendingMessages } from "../message-search-index";

describe("message search index in batches on SQLite (issue 15)", () => {
  let t: TestDatabase;
  let tenantId: string;
  let seq = 0;

  async function addMessage(text: string, subject = `Message ${seq + 1}`) {
    seq += 1;
    const ticket = await t.db.ticket.create({ data: { tenantId, number: seq, subject } });
    return t.db.message.create({
      data: {
        tenantId,
        ticketId: ticket.id,
        direction: "INBOUND",
        messageIdHeader: `index-${seq}@search.test`,
        fromAddress: "someone@client.example",
        subject,
        textBody: text,
        newText: text,
      },
    });
  }

  /** Message ids whose indexed text holds `word`, read from the index alone. */
  async function indexed(word: string): Promise<string[]> {
    const rows = await t.db.$queryRaw<{ id: string }[]>`
      SELECT m."id" FROM "MessageSearch" s JOIN "Message" m ON m.rowid = s.rowid WHERE "MessageSearch" MATCH ${`"${word}"`}`;
    return rows.map((r) => r.id).sort();
  }

  const mark = async () =>
    Number(
      (await t.db.$queryRaw<{ n: bigint | number }[]>`SELECT "indexedThrough" AS "n" FROM "MessageSearchProgress"`)[0]!
        .n,
    );

  /**
   * FTS5 compares its index with what "Message" holds (rank 1: external content) and throws on any difference.
   * Every row is compared, so the pending ones are indexed first.
   */
  async function expectIndexTrue() {
    await indexAllPendingMessages(t.db);
    await t.db.$executeRawUnsafe(`INSERT INTO "MessageSearch"("MessageSearch", rank) VALUES ('integrity-check', 1)`);
  }

  beforeAll(async () => {
    t = await createTestDatabase("sqlite");
    tenantId = (await createTenantRow(t.db, "search-index")).id;
  });
  afterAll(async () => t?.drop());
  beforeEach(async () => {
    await indexAllPendingMessages(t.db);
  });

  it("a new message waits for its batch; the batch indexes it and moves the mark past it", async () => {
    const m = await addMessage("the quasar printer is jammed");
    expect(await hasPendingMessages(t.db)).toBe(true);
    expect(await indexed("quasar")).toEqual([]);
    expect(await indexPendingMessages(t.db)).toBe(1);
    expect(await indexed("quasar")).toEqual([m.id]);
    expect(await hasPendingMessages(t.db)).toBe(false);
    expect(await indexPendingMessages(t.db)).toBe(0);
    await expectIndexTrue();
  });

  it("batches are bounded, oldest first, and index every message exactly once", async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await addMessage(`zebracrossing number ${i}`)).id);
    expect(await indexPendingMessages(t.db, 2)).toBe(2);
    expect(await indexed("zebracrossing")).toEqual(ids.slice(0, 2).sort());
    expect(await indexAllPendingMessages(t.db, { batch: 2 })).toBe(3);
    expect(await indexed("zebracrossing")).toEqual([...ids].sort());
    // A second pass finds nothing to do, so nothing is in the index twice.
    expect(await indexAllPendingMessages(t.db, { batch: 2 })).toBe(0);
    await expectIndexTrue();
  });

  it("maxBatches bounds one call; the rest waits for the next", async () => {
    for (let i = 0; i < 5; i++) await addMessage(`lighthouse ${i}`);
    expect(await indexAllPendingMessages(t.db, { batch: 2, maxBatches: 1 })).toBe(2);
    expect(await hasPendingMessages(t.db)).toBe(true);
    expect(await indexAllPendingMessages(t.db, { batch: 2 })).toBe(3);
  });

  it("an edit of an indexed message re-indexes it; an edit of a pending one is indexed as edited", async () => {
    const done = await addMessage("original walrus text");
    await indexAllPendingMessages(t.db);
    const pending = await addMessage("original narwhal text");
    await t.db.message.update({
      where: { id: done.id },
      data: { textBody: "edited pelican text", newText: "edited pelican text" },
    });
    await t.db.message.update({
      where: { id: pending.id },
      data: { textBody: "edited puffin text", newText: "edited puffin text" },
    });
    expect(await indexed("walrus")).toEqual([]);
    expect(await indexed("pelican")).toEqual([done.id]);
    expect(await indexed("puffin")).toEqual([]);
    await indexAllPendingMessages(t.db);
    expect(await indexed("narwhal")).toEqual([]);
    expect(await indexed("puffin")).toEqual([pending.id]);
    await expectIndexTrue();
  });

  it("deleting an indexed or a pending message leaves no trace in the index", async () => {
    const done = await addMessage("ephemeral albatross");
    await indexAllPendingMessages(t.db);
    const pending = await addMessage("ephemeral cormorant");
    await t.db.message.delete({ where: { id: done.id } });
    await t.db.message.delete({ where: { id: pending.id } });
    expect(await indexed("ephemeral")).toEqual([]);
    expect(await indexAllPendingMessages(t.db)).toBe(0);
    await expectIndexTrue();
  });

  it("a message that gets the rowid of a deleted newest message (at or below the mark) is indexed at once", async () => {
    const newest = await addMessage("soon gone");
    await indexAllPendingMessages(t.db);
    const rowidOf = async (id: string) =>
      Number(
        (await t.db.$queryRaw<{ r: bigint | number }[]>`SELECT rowid AS "r" FROM "Message" WHERE "id" = ${id}`)[0]!.r,
      );
    const reused = await rowidOf(newest.id);
    await t.db.message.delete({ where: { id: newest.id } });
    const next = await addMessage("reincarnated kestrel");
    expect(await rowidOf(next.id)).toBe(reused);
    expect(reused).toBeLessThanOrEqual(await mark());
    expect(await indexed("kestrel")).toEqual([next.id]);
    expect(await indexAllPendingMessages(t.db)).toBe(0);
    await expectIndexTrue();
  });

  it("a search finds a message of a moment ago: it indexes what is pending first", async () => {
    const m = await addMessage("the flux capacitor overheated", "Capacitor alarm");
    expect(await hasPendingMessages(t.db)).toBe(true);
    const found = await matchTickets(t.db, tenantId, "capacitor");
    expect(found.tickets.map((x) => x.messageId)).toEqual([m.id]);
    expect(await hasPendingMessages(t.db)).toBe(false);
  });
});

describe.each(testProviders().filter((p) => p === "postgresql"))("message search index on %s", (provider) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(provider);
  });
  afterAll(async () => t?.drop());

  it("nothing is ever pending: the database keeps its index itself", async () => {
    const tenantId = (await createTenantRow(t.db, "search-index-pg")).id;
    const ticket = await t.db.ticket.create({ data: { tenantId, number: 1, subject: "Generated column" } });
    await t.db.message.create({
      data: {
        tenantId,
        ticketId: ticket.id,
        direction: "INBOUND",
        messageIdHeader: "pg@search.test",
        fromAddress: "a@b.example",
        subject: "x",
        textBody: "tsvector",
      },
    });
    expect(await hasPendingMessages(t.db)).toBe(false);
    expect(await indexAllPendingMessages(t.db)).toBe(0);
    expect((await matchTickets(t.db, tenantId, "tsvector")).tickets.map((x) => x.ticketId)).toEqual([ticket.id]);
  });
});
