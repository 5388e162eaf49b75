/**
 * The SMTP edge under attack, over real sockets to the real MTA (R-IN-1, R-IN-11, SPEC "Security"):
 * SMTP smuggling never turns one DATA into two messages; no relay to any foreign destination, whatever address
 * trick is used, from any session state; recipient enumeration is rate-limited per connection and per IP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantMailbox } from "../../server/mail/addresses";
import { UNKNOWN_RECIPIENT_LIMITS } from "../../server/mta/recipient-limits";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { SmtpClient, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { uniqueId } from "../mta/helpers";

const domain = `guarded.${TEST_INBOUND_DOMAIN}`;
const mailbox = tenantMailbox("guarded", TEST_INBOUND_DOMAIN);

describe.each(testProviders())("SMTP security on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let mta: MtaProcess;
  let tenantId: string;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    dns = await startDnsServer({});
    tenantId = (await createTenantRow(database.db, "guarded")).id;
    await createTenantRow(database.db, "other");
    mta = await startMta({
      databaseUrl: database.url,
      dnsServers: dns.address,
      env: { SMTP_MAX_CONNECTIONS_PER_IP: "50" },
    });
  });

  afterAll(async () => {
    await mta?.stop();
    await dns?.close();
    await database?.drop();
  });

  describe("R-IN-11: SMTP smuggling", () => {
    // Each terminator is what a lenient server might take for end of DATA; after it the attacker pipelines a
    // second transaction with a forged sender.
    it.each([
      ["<LF>.<LF>", "\n.\n"],
      ["<LF>.<CR><LF>", "\n.\r\n"],
      ["<CR>.<CR>", "\r.\r"],
      ["<CR><LF>.<LF>", "\r\n.\n"],
      ["<CR><LF>.<CR>", "\r\n.\r"],
      ["<CR>.<CR><LF>", "\r.\r\n"],
      ["<LF>.<CR>", "\n.\r"],
      ["<CR><LF>.<NUL><CR><LF>", "\r\n.\0\r\n"],
    ])("%s never yields a second message", async (_name, terminator) => {
      const legit = uniqueId("smuggle.example");
      const smuggled = uniqueId("smuggle.example");
      const payload =
        `From: nina@smuggle.example\r\nTo: ${mailbox}\r\nMessage-ID: <${legit}>\r\nSubject: legit\r\n\r\nhello` +
        terminator +
        `MAIL FROM:<ceo@smuggle.example>\r\nRCPT TO:<${mailbox}>\r\nDATA\r\n` +
        `From: ceo@smuggle.example\r\nTo: ${mailbox}\r\nMessage-ID: <${smuggled}>\r\nSubject: SMUGGLED\r\n\r\nwire the money\r\n.\r\n`;
      const c = await SmtpClient.connect(mta.port);
      await c.command("EHLO client.example");
      expect((await c.command("MAIL FROM:<nina@smuggle.example>")).code).toBe(250);
      expect((await c.command(`RCPT TO:<${mailbox}>`)).code).toBe(250);
      expect((await c.command("DATA")).code).toBe(354);
      c.write(payload);
      const replies: number[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await c.read(i === 0 ? 15_000 : 1_500).catch(() => null);
        if (!r || r.code === 0) break;
        replies.push(r.code);
      }
      await c.close();
      // One transaction was opened; at most one 250 may end it, and never a 354 for a second DATA.
      expect(replies.filter((code) => code === 250).length, `replies ${replies.join(",")}`).toBeLessThanOrEqual(1);
      expect(replies, `replies ${replies.join(",")}`).not.toContain(354);
      expect(await database.db.message.count({ where: { messageIdHeader: smuggled } })).toBe(0);
      expect(await database.db.message.count({ where: { tenantId, subject: "SMUGGLED" } })).toBe(0);
      expect(await database.db.message.count({ where: { messageIdHeader: legit } })).toBeLessThanOrEqual(1);
    });
  });

  describe("R-IN-1: no open relay", () => {
    const tricks = [
      "victim@foreign.example",
      "victim@foreign.example.",
      "VICTIM@FOREIGN.EXAMPLE",
      "support@foreign.example",
      `support@${TEST_INBOUND_DOMAIN}`,
      `support@${domain}.foreign.example`,
      `support@x${domain}`,
      `@${domain}:victim@foreign.example`,
      `@${domain},@relay.example:victim@foreign.example`,
      `victim%foreign.example@${domain}`,
      `support%foreign.example@${domain}`,
      `victim!foreign.example@${domain}`,
      `foreign.example!victim@${domain}`,
      `"victim@foreign.example"@${domain}`,
      `"support@foreign.example"@${domain}`,
      `victim@foreign.example@${domain}`,
      `${mailbox}@foreign.example`,
      "victim@[127.0.0.1]",
      "victim@[IPv6:::1]",
      "support@[127.0.0.1]",
      "postmaster@foreign.example",
      `support@nosuchtenant.${TEST_INBOUND_DOMAIN}`,
    ];

    it("control: the tenant mailbox itself is accepted", async () => {
      const c = await SmtpClient.connect(mta.port);
      await c.command("EHLO client.example");
      await c.command("MAIL FROM:<someone@sender.example>");
      expect((await c.command(`RCPT TO:<${mailbox}>`)).code).toBe(250);
      await c.close();
    });

    it.each(["plain", "STARTTLS", "null sender", "HELO", "sender in our domain"])(
      "every foreign-destination trick is refused with 5xx (%s session)",
      async (mode) => {
        for (const trick of tricks) {
          // A fresh session per address, so the enumeration budget of one session is not what answers.
          const c = await SmtpClient.connect(mta.port);
          try {
            if (mode === "HELO") await c.command("HELO client.example");
            else await c.command("EHLO client.example");
            if (mode === "STARTTLS") {
              expect((await c.startTls()).response.code).toBe(220);
              await c.command("EHLO client.example");
            }
            const from =
              mode === "null sender" ? "" : mode === "sender in our domain" ? mailbox : "spammer@sender.example";
            expect((await c.command(`MAIL FROM:<${from}>`)).code).toBe(250);
            const r = await c.command(`RCPT TO:<${trick}>`);
            expect(r.code, `RCPT TO:<${trick}> → ${r.code} ${r.text}`).toBeGreaterThanOrEqual(500);
            expect(r.code, `RCPT TO:<${trick}> → ${r.code} ${r.text}`).toBeLessThan(600);
          } finally {
            await c.close();
          }
        }
      },
    );
  });

  describe("R-IN-11: recipient enumeration is rate-limited", () => {
    const { perConnection, perIp } = UNKNOWN_RECIPIENT_LIMITS;

    it(`a session is closed (421) after ${perConnection} unknown recipients`, async () => {
      const c = await SmtpClient.connect(mta.port);
      await c.command("EHLO client.example");
      await c.command("MAIL FROM:<prober@sender.example>");
      for (let i = 0; i < perConnection; i++) expect((await c.command(`RCPT TO:<guess${i}@${domain}>`)).code).toBe(550);
      // Even a real address is not confirmed now: the answer would tell the prober something.
      const next = await c.command(`RCPT TO:<${mailbox}>`);
      expect(next.code).toBe(421);
      expect(next.text).toMatch(/^4\.7\.0 /);
      expect((await c.read(2_000)).code).toBe(0); // closed by the server
      await c.close();
    });

    it(`an IP that has had ${perIp} unknown recipients on one tenant gets 450 for unknown ones there; real recipients and other tenants are still served (issue 19 item 9)`, async () => {
      // This MTA has already seen some refusals from 127.0.0.1 (the tests above); spend the rest of the budget.
      let blockedAt = -1;
      for (let session = 0; blockedAt < 0 && session < perIp; session++) {
        const c = await SmtpClient.connect(mta.port);
        await c.command("EHLO client.example");
        await c.command("MAIL FROM:<prober@sender.example>");
        for (let i = 0; i < perConnection - 1; i++) {
          const r = await c.command(`RCPT TO:<probe${session}x${i}@${domain}>`);
          if (r.code === 450) {
            expect(r.text).toMatch(/^4\.7\.1 /);
            blockedAt = session;
            break;
          }
          expect(r.code).toBe(550);
        }
        await c.close();
      }
      expect(blockedAt, "the IP limit was reached").toBeGreaterThanOrEqual(0);
      const c = await SmtpClient.connect(mta.port);
      await c.command("EHLO client.example");
      await c.command("MAIL FROM:<prober@sender.example>");
      // A shared outbound IP (Microsoft 365, Google) also carries real mail for this tenant: still accepted.
      expect((await c.command(`RCPT TO:<${mailbox}>`)).code).toBe(250);
      expect((await c.command(`RCPT TO:<still-guessing@${domain}>`)).code).toBe(450);
      // Another tenant's budget is its own: its real mailbox is accepted, an unknown address refused for good.
      expect((await c.command(`RCPT TO:<${tenantMailbox("other", TEST_INBOUND_DOMAIN)}>`)).code).toBe(250);
      expect((await c.command(`RCPT TO:<nobody@other.${TEST_INBOUND_DOMAIN}>`)).code).toBe(550);
      await c.close();
    });
  });
});
