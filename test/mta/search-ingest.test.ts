/**
 * Issue 21 item 3 over real SMTP: a mail received by the real Haraka (scripts/mta.ts) is searchable by a word
 * that only its body holds, in any case, as soon as the MTA has answered 250 (PostgreSQL: its index is a column
 * of the row that commits before the answer; SQLite: a search first indexes what is pending). And on SQLite the
 * MTA's own batches index it without any search (issue 15: server/search/message-search-index.ts). On every
 * provider of testProviders().
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantMailbox } from "../../server/mail/addresses";
import { hasPendingMessages } from "../../server/search/message-search-index";
import { listTickets } from "../../server/tickets/list-tickets";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createClientRow, createTenantRow } from "../support/gateway-data";
import { sendMail, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { buildMessage, uniqueId } from "./helpers";

describe.each(testProviders())("search index through the MTA on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let mta: MtaProcess;
  let tenantId: string;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    dns = await startDnsServer({ "contoso.example": [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }] });
    tenantId = (await createTenantRow(database.db, "acme", { autoAckEnabled: false })).id;
    await createClientRow(database.db, tenantId, { name: "Contoso", primaryDomain: "contoso.example" });
    mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address, env: { OUTBOUND_DELIVERY: "off" } });
  });
  afterAll(async () => {
    await mta?.stop();
    await dns?.close();
    await database?.drop();
  });

  /** One mail from Contoso through the MTA, answered 250. */
  async function mailIn(m: { from: string; subject: string; text: string }) {
    const to = tenantMailbox("acme", TEST_INBOUND_DOMAIN);
    const raw = await buildMessage({ ...m, to, messageId: uniqueId("contoso.example") });
    const result = await sendMail(mta, { from: "bjorn@contoso.example", to: [to], data: raw });
    expect(result.final?.code, mta.output().slice(-2000)).toBe(250);
  }

  it("R-TKT-1 B1: a received mail is found by a word of its body, in another case, once the MTA answered 250", async () => {
    await mailIn({
      from: "Björn Ölund <bjorn@contoso.example>",
      subject: "Payment question",
      text: "Hallo,\n\ndie ÜBERWEISUNG für Rechnung 4711 fehlt noch. Gerät: WS-ACCT-07.\n\nGrüße\nBjörn",
    });

    const byBody = await listTickets(database.db, tenantId, { search: "überweisung" });
    expect(byBody.items.map((i) => i.subject)).toEqual(["Payment question"]);
    expect(byBody.items[0]!.snippet!.segments.find((s) => s.hit)?.text).toBe("ÜBERWEISUNG");
    expect((await listTickets(database.db, tenantId, { search: "ws-acct-07" })).items).toHaveLength(1);
    expect((await listTickets(database.db, tenantId, { search: "ölund" })).items).toHaveLength(1);
    expect((await listTickets(database.db, tenantId, { search: "bjorn@contoso" })).items).toHaveLength(1);
  });

  it.runIf(provider === "sqlite")(
    "issue 15: the MTA indexes a received mail in its next batch, with no search asking",
    async () => {
      await mailIn({ from: "bjorn@contoso.example", subject: "Batch", text: "Indexed by the MTA." });
      // The batch runs every MESSAGE_SEARCH_INTERVAL_MS; the message may already be in when this first looks.
      await expect.poll(() => hasPendingMessages(database.db), { timeout: 15_000 }).toBe(false);
    },
  );
});
