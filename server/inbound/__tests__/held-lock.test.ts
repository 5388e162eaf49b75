/**
 * A held lock fails the inbound transaction within its bound (issue 15, the Kysely transactions' counterpart of
 * TRANSACTION_OPTIONS): the message is not stored, ingestion rejects (the MTA answers 451 and the sender
 * retries), and once the lock is gone the same message is delivered. The bounds here are short so the test is
 * quick; the product's are TRANSACTION_OPTIONS (server/db/transactions.ts). A bound that did not apply would
 * leave the ingestion waiting for the lock, and the test would fail on its own timeout.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../db/client";
import { createResolver } from "../../dns/resolver";
import { tenantMailbox } from "../../mail/addresses";
import { ingestInbound } from "../ingest-inbound";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { startDnsServer, type TestDnsServer } from "../../../test/support/dns-server";
import { createTenantRow } from "../../../test/support/gateway-data";
import { TEST_APP_SECRET, TEST_INBOUND_DOMAIN } from "../../../test/support/mta";

const BOUND_MS = 400;

describe.each(testProviders())("a held lock on %s", (provider) => {
  let database: TestDatabase;
  let db: Db;
  let dns: TestDnsServer;
  let tenantId: string;
  let n = 0;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    tenantId = (await createTenantRow(database.db, "held")).id;
    // A second client on the same database, with short bounds (the product's are seconds).
    db = createDb(database.database, {
      busyTimeoutMs: BOUND_MS,
      transactionBounds: { maxWaitMs: BOUND_MS, timeoutMs: 10_000 },
    });
    dns = await startDnsServer({});
  });
  afterAll(async () => {
    await db.$disconnect();
    await dns.close();
    await database.drop();
  });

  function ingest() {
    const id = `held-${++n}@sender.example`;
    const raw = Buffer.from(
      [
        `From: <someone@sender.example>`,
        `To: <held@${TEST_INBOUND_DOMAIN}>`,
        "Subject: help",
        `Message-ID: <${id}>`,
        "",
        "Hello",
        "",
      ].join("\r\n"),
    );
    const deps = {
      secret: TEST_APP_SECRET,
      inboundDomain: TEST_INBOUND_DOMAIN,
      resolver: createResolver({ servers: [dns.address], timeoutMs: 1_000, tries: 1 }),
      trustedArcSealers: [],
    };
    const input = {
      raw,
      remoteIp: "192.0.2.1",
      helo: "sender.example",
      mailFrom: "someone@sender.example",
      recipients: [tenantMailbox("held", TEST_INBOUND_DOMAIN)],
      receivedAt: new Date(),
    };
    return { id, run: () => ingestInbound(db, deps, input) };
  }
  const stored = (messageIdHeader: string) => database.db.message.count({ where: { messageIdHeader } });

  async function failsWhileHeldThenDelivers(hold: () => Promise<() => Promise<void>>, error: RegExp): Promise<void> {
    const mail = ingest();
    const release = await hold();
    try {
      await expect(mail.run()).rejects.toThrow(error);
    } finally {
      await release();
    }
    expect(await stored(mail.id)).toBe(0);
    const retry = await mail.run();
    expect(retry.outcomes[0]).toMatchObject({ outcome: "DELIVERED", createdTicket: true });
    expect(await stored(mail.id)).toBe(1);
  }

  it.runIf(provider === "postgresql")(
    "issue 15: the tenant's row locked by another transaction fails ingestion after lock_timeout, not never",
    { timeout: 30_000 },
    async () => {
      await failsWhileHeldThenDelivers(async () => {
        const holder = new pg.Client({ connectionString: database.url });
        await holder.connect();
        await holder.query("BEGIN");
        await holder.query(`SELECT 1 FROM "Tenant" WHERE "id" = $1 FOR UPDATE`, [tenantId]);
        return async () => {
          await holder.query("ROLLBACK");
          await holder.end();
        };
      }, /lock timeout/);
    },
  );

  it.runIf(provider === "sqlite")(
    "issue 15: another process's write lock fails ingestion after the busy timeout",
    { timeout: 30_000 },
    async () => {
      await failsWhileHeldThenDelivers(() => {
        const other = new Database(database.url.replace(/^file:/, ""));
        other.exec("BEGIN IMMEDIATE");
        return Promise.resolve(() => {
          other.exec("ROLLBACK");
          other.close();
          return Promise.resolve();
        });
      }, /locked|busy/i);
    },
  );

  it.runIf(provider === "sqlite")(
    "issue 15: a transaction of this process that does not end fails ingestion after maxWait for the connection's turn",
    { timeout: 30_000 },
    async () => {
      await failsWhileHeldThenDelivers(async () => {
        let end!: () => void;
        const ended = new Promise<void>((resolve) => (end = resolve));
        let begun!: () => void;
        const holding = new Promise<void>((resolve) => (begun = resolve));
        const transaction = db.$transaction(
          async () => {
            begun();
            await ended;
          },
          { timeout: 20_000 },
        );
        await holding;
        return async () => {
          end();
          await transaction;
        };
      }, /stayed busy/);
    },
  );
});
