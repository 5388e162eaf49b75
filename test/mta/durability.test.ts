/**
 * Durability and limits over real SMTP (R-IN-10, R-IN-11), on every test database: 451 while the database is
 * unavailable at end of DATA and acceptance once it is back, recipients / connections / size limits, SMTP
 * smuggling attempts, and two MTA processes numbering tickets and de-duplicating on one database.
 * PostgreSQL is reached through a TCP proxy the test can cut; SQLite is made unavailable by another
 * process holding its write lock longer than the MTA's busy timeout.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantMailbox } from "../../server/mail/addresses";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { sendMail, SmtpClient, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { proxiedPostgresUrl, type CuttableProxy } from "../support/cuttable-proxy";
import { buildMessage, uniqueId } from "./helpers";

const mailbox = (slug: string) => tenantMailbox(slug, TEST_INBOUND_DOMAIN);

describe.each(testProviders())("MTA durability and limits on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let proxy: CuttableProxy | undefined;
  let mta: MtaProcess;
  let second: MtaProcess;
  let tenant: { id: string };
  let databaseUrl: string;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    databaseUrl = database.url;
    if (provider === "postgresql") {
      ({ url: databaseUrl, proxy } = await proxiedPostgresUrl(database.url));
    }
    dns = await startDnsServer({});
    tenant = await createTenantRow(database.db, "durable");
    const env = { SMTP_MAX_RECIPIENTS: "3", SMTP_MAX_CONNECTIONS_PER_IP: "4", SMTP_MAX_SIZE: "100000" };
    [mta, second] = await Promise.all([
      startMta({ databaseUrl, dnsServers: dns.address, env }),
      startMta({ databaseUrl, dnsServers: dns.address, env }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([mta?.stop(), second?.stop()]);
    await proxy?.close();
    await dns?.close();
    await database?.drop();
  });

  /** Makes the database unavailable to the MTA; returns the function that brings it back. */
  function takeDatabaseAway(): () => Promise<void> {
    if (provider === "postgresql") {
      proxy!.cut();
      return () => Promise.resolve(proxy!.restore());
    }
    // Another process holds the write lock; the MTA's writes wait out their busy timeout and fail.
    const holder = new Database(database.url.replace(/^file:/, ""));
    holder.exec("BEGIN EXCLUSIVE");
    return () => {
      holder.exec("ROLLBACK");
      holder.close();
      return Promise.resolve();
    };
  }

  it("R-IN-10: database unavailable at end of DATA → 451 4.3.0 and nothing stored; the retry after recovery is accepted once", async () => {
    const messageId = uniqueId("retry.example");
    const raw = await buildMessage({ from: "kim@retry.example", to: mailbox("durable"), messageId });
    const c = await SmtpClient.connect(mta.port);
    await c.command("EHLO client.example");
    expect((await c.command("MAIL FROM:<kim@retry.example>")).code).toBe(250);
    expect((await c.command(`RCPT TO:<${mailbox("durable")}>`)).code).toBe(250);
    expect((await c.command("DATA")).code).toBe(354);
    const bringBack = takeDatabaseAway();
    try {
      c.write(Buffer.concat([raw, Buffer.from(".\r\n")]));
      const final = await c.read(60_000);
      expect(final.code).toBe(451);
      expect(final.text).toMatch(/^4\.3\.0 /);
    } finally {
      await bringBack();
      await c.close();
    }
    expect(await database.db.message.count({ where: { messageIdHeader: messageId } })).toBe(0);

    // The sender retries (the same bytes) once the database is back.
    const retry = await sendMail(mta, { from: "kim@retry.example", to: [mailbox("durable")], data: raw });
    expect(retry.final?.code, mta.output().slice(-2000)).toBe(250);
    expect(await database.db.message.count({ where: { messageIdHeader: messageId } })).toBe(1);
    const rows = await database.db.activityLog.findMany({ where: { messageIdHeader: messageId, direction: "INBOUND" } });
    expect(rows.map((r) => r.outcome)).toEqual(["DELIVERED"]);
  });

  it("R-IN-11: recipients per message are limited (452 4.5.3) and the accepted ones still get the message", async () => {
    const c = await SmtpClient.connect(mta.port);
    await c.command("EHLO client.example");
    await c.command("MAIL FROM:<lee@limits.example>");
    for (let i = 0; i < 3; i++) expect((await c.command(`RCPT TO:<support+${i}@durable.${TEST_INBOUND_DOMAIN}>`)).code).toBe(250);
    const fourth = await c.command(`RCPT TO:<${mailbox("durable")}>`);
    expect(fourth.code).toBe(452);
    expect(fourth.text).toMatch(/^4\.5\.3 /);
    await c.close();
  });

  it("R-IN-11: concurrent connections per IP are limited (421), and a slot frees up on disconnect", async () => {
    const held = await Promise.all([0, 1, 2, 3].map(() => SmtpClient.connect(mta.port)));
    expect(held.every((c) => c.greeting.code === 220)).toBe(true);
    const fifth = await SmtpClient.connect(mta.port);
    expect(fifth.greeting.code).toBe(421);
    await fifth.close();
    await held[0]!.close();
    // The server sees the close asynchronously; give it a moment.
    let again = await SmtpClient.connect(mta.port);
    for (let i = 0; again.greeting.code !== 220 && i < 20; i++) {
      await again.close();
      await new Promise((r) => setTimeout(r, 100));
      again = await SmtpClient.connect(mta.port);
    }
    expect(again.greeting.code).toBe(220);
    await again.close();
    await Promise.all(held.slice(1).map((c) => c.close()));
  });

  it("R-IN-11: a message over SMTP_MAX_SIZE is refused with 552 5.3.4 at end of DATA and not stored", async () => {
    const messageId = uniqueId("big.example");
    const raw = await buildMessage({ from: "max@big.example", to: mailbox("durable"), messageId, text: "x".repeat(150_000).replace(/(.{76})/g, "$1\n") });
    const result = await sendMail(mta, { from: "max@big.example", to: [mailbox("durable")], data: raw });
    expect(result.final?.code).toBe(552);
    expect(result.final?.text).toMatch(/^5\.3\.4 /);
    expect(await database.db.message.count({ where: { messageIdHeader: messageId } })).toBe(0);
  });

  it.each([
    ["<LF>.<CR><LF>", "\n.\r\n"],
    ["<CR><LF>.<CR>", "\r\n.\r"],
    ["<LF>.<LF>", "\n.\n"],
    ["<CR>.<CR><LF>", "\r.\r\n"],
  ])("R-IN-11: SMTP smuggling with %s never yields a second message", async (_name, terminator) => {
    const legit = uniqueId("smuggle.example");
    const smuggled = uniqueId("smuggle.example");
    const payload =
      `From: nina@smuggle.example\r\nTo: ${mailbox("durable")}\r\nMessage-ID: <${legit}>\r\nSubject: legit\r\n\r\nhello` +
      terminator +
      `MAIL FROM:<ceo@smuggle.example>\r\nRCPT TO:<${mailbox("durable")}>\r\nDATA\r\n` +
      `From: ceo@smuggle.example\r\nTo: ${mailbox("durable")}\r\nMessage-ID: <${smuggled}>\r\nSubject: SMUGGLED\r\n\r\nwire the money\r\n.\r\n`;
    const c = await SmtpClient.connect(mta.port);
    await c.command("EHLO client.example");
    await c.command("MAIL FROM:<nina@smuggle.example>");
    await c.command(`RCPT TO:<${mailbox("durable")}>`);
    expect((await c.command("DATA")).code).toBe(354);
    c.write(payload);
    // Whatever the server answers (451 bare LF, or 250 for one message whose body holds the rest), collect it.
    const replies = [];
    for (let i = 0; i < 6; i++) {
      // The first reply may take a database commit; after that, silence means there is nothing more.
      const r = await c.read(i === 0 ? 10_000 : 1_000).catch(() => null);
      if (!r || r.code === 0) break;
      replies.push(r.code);
    }
    await c.close();
    expect(replies.filter((code) => code === 250).length).toBeLessThanOrEqual(1);
    expect(await database.db.message.count({ where: { messageIdHeader: smuggled } })).toBe(0);
    expect(await database.db.message.count({ where: { tenantId: tenant.id, subject: "SMUGGLED" } })).toBe(0);
    expect(await database.db.message.count({ where: { messageIdHeader: legit } })).toBeLessThanOrEqual(1);
  });

  it("R-IN-10: two MTA processes on one database number tickets without gaps or repeats, and a message delivered to both at once is stored once", async () => {
    const before = await database.db.ticket.count({ where: { tenantId: tenant.id } });
    // Two rounds of six at once, three per process (each process allows four connections per IP here).
    const results = [];
    for (const round of [0, 1]) {
      const sends = Array.from({ length: 6 }, async (_, j) => {
        const i = round * 6 + j;
        const raw = await buildMessage({ from: `user${i}@parallel.example`, to: mailbox("durable"), messageId: uniqueId("parallel.example") });
        return sendMail(i % 2 ? second : mta, { from: `user${i}@parallel.example`, to: [mailbox("durable")], data: raw });
      });
      results.push(...(await Promise.all(sends)));
    }
    // A 451 here is a bug (the sender would retry, but nothing should have failed): show both MTAs' logs.
    expect(results.map((r) => r.final?.code), `${mta.output().slice(-4_000)}\n---\n${second.output().slice(-4_000)}`).toEqual(
      Array(12).fill(250),
    );
    const numbers = (await database.db.ticket.findMany({ where: { tenantId: tenant.id }, select: { number: true }, orderBy: { number: "asc" } })).map((t) => t.number);
    expect(numbers).toHaveLength(before + 12);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
    const t = await database.db.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
    expect(t.ticketSeq).toBe(numbers.length);

    const messageId = uniqueId("parallel.example");
    const raw = await buildMessage({ from: "olga@parallel.example", to: mailbox("durable"), messageId });
    const both = await Promise.all([mta, second, mta, second].map((m) => sendMail(m, { from: "olga@parallel.example", to: [mailbox("durable")], data: raw })));
    expect(both.map((r) => r.final?.code)).toEqual([250, 250, 250, 250]);
    expect(await database.db.message.count({ where: { messageIdHeader: messageId } })).toBe(1);
    const outcomes = (await database.db.activityLog.findMany({ where: { messageIdHeader: messageId, direction: "INBOUND" } })).map((r) => r.outcome).sort();
    expect(outcomes).toEqual(["DELIVERED", "DUPLICATE", "DUPLICATE", "DUPLICATE"]);
  });
});
