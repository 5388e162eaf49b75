/**
 * A large message's chunks are written first in its transaction on PostgreSQL, before the tenant lock (issue 15,
 * server/inbound/store-inbound-message.ts writeLargeValues), over real SMTP on every test database:
 * - PostgreSQL: while a large message's chunks cannot be written (the test holds a lock on the chunk table), the
 *   tenant's other mail is still accepted and filed: the tenant lock is not held while chunks are written;
 * - a large message that is dropped (blocklisted sender) or arrives twice (R-IN-10) leaves no chunk behind, and
 *   the sender gets the usual answer: chunks written ahead for a message that is not stored are deleted before
 *   the commit (SQLite writes them after the message's rows, so there are none to delete).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantMailbox } from "../../server/mail/addresses";
import { getAttachmentFile } from "../../server/tickets/message-files";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { largeMessage } from "../support/large-message";
import { sendMail, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { buildMessage, uniqueId } from "./helpers";

const MB = 1024 * 1024;

describe.each(testProviders())("large message chunks on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let mta: MtaProcess;
  let tenantId: string;
  const rcpt = tenantMailbox("chunks", TEST_INBOUND_DOMAIN);

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    dns = await startDnsServer({});
    for (const domain of ["sender.bench.example", "blocked.example", "small.example"]) {
      dns.set(domain, [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }]);
    }
    tenantId = (await createTenantRow(database.db, "chunks", { autoAckEnabled: false })).id;
    await database.db.blocklistEntry.create({ data: { tenantId, kind: "DOMAIN", value: "blocked.example" } });
    mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address, env: { OUTBOUND_DELIVERY: "off" } });
  });

  afterAll(async () => {
    await mta?.stop();
    await dns?.close();
    await database?.drop();
  });

  const chunkRows = async () =>
    (await database.db.messageSourceChunk.count()) + (await database.db.attachmentChunk.count());

  it(
    "issue 15: a dropped large message (blocklisted sender) and a second arrival of one (R-IN-10) leave no chunk behind",
    { timeout: 120_000 },
    async () => {
      const before = await chunkRows();
      const blocked = largeMessage({
        id: `blocked-${provider}`,
        attachmentBytes: 2 * MB,
        from: "big@blocked.example",
        to: rcpt,
      });
      const dropped = await sendMail(mta, { from: "big@blocked.example", to: [rcpt], data: blocked.raw });
      expect(dropped.final?.code, mta.output().slice(-2000)).toBe(250);
      const activity = await database.db.activityLog.findFirstOrThrow({
        where: { tenantId, messageIdHeader: `${blocked.id}@sender.bench.example` },
      });
      expect(activity).toMatchObject({ outcome: "DROPPED", reason: "blocklist: domain blocked.example" });
      expect(await chunkRows()).toBe(before);

      const m = largeMessage({
        id: `twice-${provider}`,
        attachmentBytes: 2 * MB,
        from: "big@sender.bench.example",
        to: rcpt,
      });
      for (let i = 0; i < 2; i++) {
        const r = await sendMail(mta, { from: "big@sender.bench.example", to: [rcpt], data: m.raw });
        expect(r.final?.code, mta.output().slice(-2000)).toBe(250);
      }
      const outcomes = await database.db.activityLog.findMany({
        where: { tenantId, messageIdHeader: `${m.id}@sender.bench.example` },
        orderBy: { createdAt: "asc" },
      });
      expect(outcomes.map((a) => a.outcome)).toEqual(["DELIVERED", "DUPLICATE"]);
      const stored = await database.db.message.findMany({
        where: { tenantId, messageIdHeader: `${m.id}@sender.bench.example` },
        select: { attachments: { select: { id: true } } },
      });
      expect(stored).toHaveLength(1);
      // One copy's chunks: the 2 MB attachment and the message's source, more than 1 MiB each.
      const [source, attachment] = await Promise.all([
        database.db.messageSourceChunk.count(),
        database.db.attachmentChunk.count(),
      ]);
      expect(source).toBe(Math.ceil(m.raw.length / (64 * 1024)));
      expect(attachment).toBe(Math.ceil((2 * MB) / (64 * 1024)));
      const file = await getAttachmentFile(database.db, tenantId, stored[0]!.attachments[0]!.id);
      expect(Buffer.from(file.content).equals(m.attachment)).toBe(true);
    },
  );

  it.runIf(provider === "postgresql")(
    "issue 15: while a large message's chunks wait to be written, the tenant's other mail is filed",
    { timeout: 120_000 },
    async () => {
      // Holding SHARE on the chunk table keeps the large message's first chunk insert waiting.
      const blocker = new pg.Client({ connectionString: database.url });
      // Its own session: inside the blocker's transaction, pg_stat_activity would show one snapshot throughout.
      const monitor = new pg.Client({ connectionString: database.url });
      await Promise.all([blocker.connect(), monitor.connect()]);
      try {
        await blocker.query('BEGIN; LOCK TABLE "MessageSourceChunk" IN SHARE MODE');
        const big = largeMessage({
          id: `held-${provider}`,
          attachmentBytes: 2 * MB,
          from: "big@sender.bench.example",
          to: rcpt,
        });
        const bigAnswer = sendMail(mta, { from: "big@sender.bench.example", to: [rcpt], data: big.raw });
        const waitingInsert = async () =>
          Number(
            (
              await monitor.query<{ n: string }>(
                `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%insert into "MessageSourceChunk"%'`,
              )
            ).rows[0]!.n,
          );
        for (let i = 0; i < 600 && (await waitingInsert()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
        expect(await waitingInsert()).toBe(1);

        const smallId = uniqueId("small.example");
        const small = await sendMail(mta, {
          from: "alice@small.example",
          to: [rcpt],
          data: await buildMessage({
            from: "Alice <alice@small.example>",
            to: rcpt,
            messageId: smallId,
            subject: "Printer jam",
          }),
        });
        expect(small.final?.code, mta.output().slice(-2000)).toBe(250);
        expect(await database.db.message.count({ where: { tenantId, messageIdHeader: smallId } })).toBe(1);
        // The large one is still waiting for its chunks.
        expect(await waitingInsert()).toBe(1);

        await blocker.query("COMMIT");
        expect((await bigAnswer).final?.code).toBe(250);
        expect(
          await database.db.message.count({ where: { tenantId, messageIdHeader: `${big.id}@sender.bench.example` } }),
        ).toBe(1);
      } finally {
        await blocker.query("ROLLBACK").catch(() => undefined);
        await Promise.all([blocker.end(), monitor.end()]);
      }
    },
  );
});
