/**
 * The inbound transaction's round trips on PostgreSQL (issue 15). Each statement of it waits for the MTA's busy
 * event loop while the tenant's lock is held, so their number, not their speed, capped PostgreSQL throughput:
 * a new ticket took 13. Now three: BEGIN with its bounds and the tenant lock; the tenant's blocklist, alert
 * rules, sender contact and client domains read together; every write deferred into one statement with the
 * COMMIT (server/db/deferred-writes.ts, server/db/pg-inline.ts). The
 * results are checked too, so that fewer statements did not mean less work. On SQLite (no round trips) the same
 * ingestion is checked for the same results.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResolver } from "../../dns/resolver";
import { tenantMailbox } from "../../mail/addresses";
import { ingestInbound } from "../ingest-inbound";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { startDnsServer, type TestDnsServer } from "../../../test/support/dns-server";
import { createClientRow, createTenantRow } from "../../../test/support/gateway-data";
import { TEST_APP_SECRET, TEST_INBOUND_DOMAIN } from "../../../test/support/mta";
import { pgStatementsDuring } from "../../../test/support/pg-statements";

describe.each(testProviders())("the inbound transaction's statements on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let tenantId: string;
  let clientId: string;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    tenantId = (await createTenantRow(database.db, "trips", { autoAckEnabled: false })).id;
    clientId = (await createClientRow(database.db, tenantId, { name: "Contoso", primaryDomain: "contoso.example" })).id;
    await database.db.blocklistEntry.create({ data: { tenantId, kind: "EMAIL", value: "spammer@bad.example" } });
    dns = await startDnsServer({});
    // SPF-authenticated (R-IN-8: only an authenticated sender is acknowledged).
    dns.set("contoso.example", [{ type: "TXT", data: "v=spf1 ip4:192.0.2.1 -all" }]);
  });
  afterAll(async () => {
    await dns.close();
    await database.drop();
  });

  function ingest(from: string, messageId: string, extra: string[] = []) {
    const raw = Buffer.from(
      [
        `From: Sam <${from}>`,
        `To: <trips@${TEST_INBOUND_DOMAIN}>`,
        "Subject: printer",
        `Message-ID: <${messageId}>`,
        ...extra,
        "",
        "Hello",
        "",
      ].join("\r\n"),
    );
    return ingestInbound(
      database.db,
      {
        secret: TEST_APP_SECRET,
        inboundDomain: TEST_INBOUND_DOMAIN,
        resolver: createResolver({ servers: [dns.address], timeoutMs: 1_000, tries: 1 }),
        trustedArcSealers: [],
      },
      {
        raw,
        remoteIp: "192.0.2.1",
        helo: "mail.example",
        mailFrom: from,
        recipients: [tenantMailbox("trips", TEST_INBOUND_DOMAIN)],
        receivedAt: new Date(),
      },
    );
  }
  /** The statements of the inbound transaction itself (BEGIN … COMMIT), as the driver sent them. */
  async function transactionOf(fn: () => Promise<unknown>): Promise<string[]> {
    const sent = await pgStatementsDuring(fn);
    return sent.slice(sent.findIndex((s) => s.startsWith("BEGIN")));
  }

  it("issue 15: a new ticket from a new sender is three round trips on PostgreSQL: BEGIN + lock, one read, the writes + COMMIT", async () => {
    let result: Awaited<ReturnType<typeof ingest>> | undefined;
    const sent = await transactionOf(
      async () => (result = await ingest("sam@sub.contoso.example", "trips-1@contoso.example")),
    );
    expect(result!.outcomes[0]).toMatchObject({ outcome: "DELIVERED", createdTicket: true, ticketNumber: 1 });
    const ticket = await database.db.ticket.findFirstOrThrow({
      where: { tenantId, number: 1 },
      include: { requester: true, messages: true },
    });
    expect(ticket).toMatchObject({ clientId, requester: { email: "sam@sub.contoso.example", name: "Sam", clientId } });
    expect(ticket.messages).toHaveLength(1);
    expect(
      await database.db.activityLog.count({ where: { tenantId, ticketId: ticket.id, outcome: "DELIVERED" } }),
    ).toBe(1);
    expect((await database.db.tenant.findUniqueOrThrow({ where: { id: tenantId } })).ticketSeq).toBe(1);
    if (provider === "postgresql") {
      expect(sent).toHaveLength(3);
      expect(sent[0]).toMatch(/^BEGIN; SET LOCAL [^]*;\nupdate "Tenant"/);
      expect(sent[1]).toMatch(/^select \(select coalesce\(json_agg/);
      expect(sent[2]).toMatch(
        /^with "w0" as \(insert into "Contact"[^]*insert into "Ticket"[^]*insert into "Message"[^]*insert into "ActivityLog"[^]*;\ncommit$/,
      );
    }
  });

  it("issue 15: the next new ticket takes the next number, and a blocked sender is dropped and counted in as few", async () => {
    const second = await ingest("kim@contoso.example", "trips-2@contoso.example");
    expect(second.outcomes[0]).toMatchObject({ createdTicket: true, ticketNumber: 2 });
    let dropped: Awaited<ReturnType<typeof ingest>> | undefined;
    const sent = await transactionOf(
      async () => (dropped = await ingest("spammer@bad.example", "trips-3@bad.example")),
    );
    expect(dropped!.outcomes[0]).toMatchObject({ outcome: "DROPPED" });
    expect(await database.db.blocklistEntry.findFirstOrThrow({ where: { tenantId } })).toMatchObject({ dropCount: 1 });
    if (provider === "postgresql") expect(sent).toHaveLength(3);
  });

  it("issue 15: a reply to a ticket is filed on it, reads what threading needs, and still writes in one statement", async () => {
    let reply: Awaited<ReturnType<typeof ingest>> | undefined;
    const sent = await transactionOf(
      async () =>
        (reply = await ingest("sam@sub.contoso.example", "trips-4@contoso.example", [
          "In-Reply-To: <trips-1@contoso.example>",
        ])),
    );
    expect(reply!.outcomes[0]).toMatchObject({ outcome: "DELIVERED", createdTicket: false, ticketNumber: 1 });
    if (provider === "postgresql") {
      // The thread's look-ups are reads of their own; every write is in the last round trip, with the COMMIT.
      expect(
        sent.filter((s) => /^(with |insert |update "(?!Tenant" set "ticketSeq" = "ticketSeq"))/m.test(s)),
      ).toHaveLength(1);
      expect(sent.at(-1)).toMatch(/^with [^]*;\ncommit$/);
    }
  });

  it("issue 15: with auto-acknowledgement on, the acknowledgement is queued, its own-address reads go together and its rows with the rest", async () => {
    await database.db.tenant.update({ where: { id: tenantId }, data: { autoAckEnabled: true } });
    try {
      let result: Awaited<ReturnType<typeof ingest>> | undefined;
      const sent = await transactionOf(
        async () => (result = await ingest("lee@contoso.example", "trips-5@contoso.example")),
      );
      const ackId = result!.outcomes[0]!.autoAckMessageId;
      expect(ackId).toBeTruthy();
      expect(await database.db.outboundJob.count({ where: { messageId: ackId } })).toBe(1);
      if (provider === "postgresql") {
        // Contact and ticket go before the acknowledgement's reads; message, acknowledgement, job and activity after.
        expect(sent.filter((s) => /^with /m.test(s))).toHaveLength(2);
        expect(sent.length).toBeLessThanOrEqual(8);
      }
    } finally {
      await database.db.tenant.update({ where: { id: tenantId }, data: { autoAckEnabled: false } });
    }
  });
});
