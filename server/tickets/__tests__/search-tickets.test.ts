/**
 * Issue 21 item 3 (full-text search, R-TKT-1 list) and issue 20 B1 (Unicode-aware case-insensitive search), on
 * SQLite and PostgreSQL: words found anywhere in a ticket's mail (body only, sender name, address parts, device
 * names), Unicode case folding, ranking by relevance, marked snippets returned as text, and the index kept in
 * step by the database through every write: raw inserts (as ingestion writes), a technician's reply, a merge,
 * an edited text and a deleted ticket. Mail through the real MTA: test/mta/search-ingest.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { startDnsServer, type TestDnsServer } from "../../../test/support/dns-server";
import { TEST_APP_SECRET, TEST_INBOUND_DOMAIN } from "../../../test/support/mta";
import { seedSendingTenant, type SendingTenant } from "../../../test/support/outbound-data";
import { newRowId } from "../../db/raw-sql";
import { sqlOf } from "../../db/sql";
import { listTickets } from "../list-tickets";
import { mergeTickets } from "../merge-tickets";
import { replyToTicket } from "../reply-to-ticket";
import { snippet } from "../../search/match-words";

const mail = { secret: TEST_APP_SECRET, inboundDomain: TEST_INBOUND_DOMAIN };

describe.each(testProviders())("ticket full-text search on %s", (provider) => {
  let t: TestDatabase;
  let dns: TestDnsServer;
  let a: SendingTenant;
  let b: SendingTenant;
  let seq = 0;

  /** A ticket with its first mail, written through Kysely as inbound ingestion writes it. */
  async function mailTicket(
    tenant: SendingTenant,
    m: { subject: string; text: string; newText?: string; from?: string; fromName?: string },
  ) {
    seq += 1;
    const now = new Date(Date.UTC(2026, 4, 1, 9, seq));
    const ticketId = newRowId();
    await t.db.$transaction(async (tx) => {
      const sql = sqlOf(tx);
      await sql
        .insertInto("Ticket")
        .values({
          id: ticketId,
          tenantId: tenant.tenantId,
          number: seq,
          subject: m.subject,
          status: "OPEN",
          clientId: tenant.clientId,
          createdAt: now,
          updatedAt: now,
          lastActivityAt: now,
        })
        .execute();
      await sql
        .insertInto("Message")
        .values({
          id: newRowId(),
          tenantId: tenant.tenantId,
          ticketId,
          direction: "INBOUND",
          kind: "REPLY",
          messageIdHeader: `search-${seq}@${provider}.test`,
          fromAddress: m.from ?? "someone@client-a.example",
          fromName: m.fromName ?? null,
          subject: m.subject,
          sentAt: now,
          textBody: m.text,
          newText: m.newText ?? m.text,
          createdAt: now,
        })
        .execute();
    });
    return { id: ticketId, number: seq };
  }

  const found = async (tenant: SendingTenant, search: string, status: "OPEN" | "CLOSED" = "OPEN") =>
    (await listTickets(t.db, tenant.tenantId, { search, status })).items.map((i) => i.id);

  beforeAll(async () => {
    [t, dns] = await Promise.all([createTestDatabase(provider), startDnsServer()]);
    a = await seedSendingTenant(t.db, dns, {
      slug: "srcha",
      domain: "srcha-msp.example",
      clientDomain: "client-a.example",
      contacts: [],
    });
    b = await seedSendingTenant(t.db, dns, {
      slug: "srchb",
      domain: "srchb-msp.example",
      clientDomain: "client-b.example",
      contacts: [],
    });
  });
  afterAll(async () => {
    await Promise.all([t?.drop(), dns?.close()]);
  });

  it("R-TKT-1 B1 finds a word only in a mail body, whatever its case, across Unicode, and never in another tenant", async () => {
    const payment = await mailTicket(a, {
      subject: "Question about last month",
      text: "Hello,\n\nthe ÜBERWEISUNG for invoice 7731 has not arrived. Also the laptop LT-1001 is slow.\n\n> Überweisung erwartet",
      newText: "Hello,\n\nthe ÜBERWEISUNG for invoice 7731 has not arrived. Also the laptop LT-1001 is slow.",
      from: "bob.jones@contoso.example",
      fromName: "Bob Jones",
    });
    const greek = await mailTicket(a, { subject: "Ερώτηση", text: "ΣΦΑΛΜΑ στον διακομιστή" });
    const other = await mailTicket(b, { subject: "Also about überweisung", text: "überweisung" });

    for (const word of ["überweisung", "Überweisung", "ÜBERWEISUNG", "ÜberWeisung"]) {
      expect(await found(a, word), word).toEqual([payment.id]);
    }
    expect(await found(a, "σφαλμα")).toEqual([greek.id]);
    // Sender name, address parts, a device name from the body, a prefix while typing, two words anywhere.
    expect(await found(a, "bob")).toEqual([payment.id]);
    expect(await found(a, "bob.jones@contoso")).toEqual([payment.id]);
    expect(await found(a, "LT-1001")).toEqual([payment.id]);
    expect(await found(a, "lt-100")).toEqual([payment.id]);
    expect(await found(a, "überw")).toEqual([payment.id]);
    expect(await found(a, "invoice slow")).toEqual([payment.id]);
    expect(await found(a, "invoice zebra")).toEqual([]);
    // Diacritics stay significant on both databases (PostgreSQL has no unaccent by default).
    expect(await found(a, "uberweisung")).toEqual([]);
    // The ticket number still finds its ticket.
    expect(await found(a, `#${payment.number}`)).toEqual([payment.id]);
    expect(await found(b, "überweisung")).toEqual([other.id]);
  });

  it("R-TKT-1 ranks the ticket about the words above one that mentions them in passing, with a marked snippet of the best mail", async () => {
    const passing = await mailTicket(a, {
      subject: "Weekly report",
      text: `${"Everything else was quiet this week. ".repeat(30)}One user mentioned the firewall appliance once.`,
    });
    const about = await mailTicket(a, {
      subject: "Firewall appliance rebooting",
      text: "The firewall appliance reboots every night; the firewall log shows a watchdog reset.",
    });
    const list = await listTickets(t.db, a.tenantId, { search: "firewall appliance" });
    expect(list.items.map((i) => i.id)).toEqual([about.id, passing.id]);
    const snippet = list.items[1]!.snippet!;
    expect(snippet.segments.filter((s) => s.hit).map((s) => s.text.toLowerCase())).toEqual(
      expect.arrayContaining(["firewall", "appliance"]),
    );
    expect(snippet.segments.map((s) => s.text).join("")).toContain("mentioned the");
    expect(await t.db.message.findUniqueOrThrow({ where: { id: snippet.messageId } })).toMatchObject({
      ticketId: passing.id,
    });
  });

  it("R-TKT-1 a whole word finds that word; a word being typed finds the words it begins, judged in the tenant's own mail only", async () => {
    const scanner = await mailTicket(a, { subject: "Flatbed", text: "The zorbascanner on floor 5 is jammed." });
    const scanners = await mailTicket(a, { subject: "Flatbeds", text: "All zorbascanners need new rollers." });
    expect(await found(a, "zorbascanner")).toEqual([scanner.id]);
    expect((await found(a, "zorbascan")).sort()).toEqual([scanner.id, scanners.id].sort());
    // Another tenant having the whole word changes nothing here (nor says anything about its mail).
    await mailTicket(b, { subject: "Other", text: "quibblerack" });
    const racks = await mailTicket(a, { subject: "Racks", text: "Two quibblerackmounts arrived." });
    expect(await found(a, "quibblerack")).toEqual([racks.id]);
  });

  it("R-TKT-1 ranks the words in the ticket's subject first, then in a sender, then more matching mails, then the newest", async () => {
    const older = await mailTicket(a, { subject: "Two mails", text: "The yodelbox rattles." });
    await replyToTicket(
      t.db,
      { tenantId: a.tenantId, authorId: a.userId, ...mail },
      { ticketId: older.id, to: [{ address: "someone@client-a.example" }], body: "Is the yodelbox still rattling?" },
    );
    const newest = await mailTicket(a, { subject: "One mail", text: "A yodelbox arrived." });
    const sender = await mailTicket(a, { subject: "From them", text: "Hello yodelbox.", fromName: "Yodelbox Sales" });
    const subject = await mailTicket(a, { subject: "Yodelbox broken", text: "See subject." });
    expect(await found(a, "yodelbox")).toEqual([subject.id, sender.id, older.id, newest.id]);
  });

  it("R-TKT-1 returns snippets as text segments: markup in a mail stays text", async () => {
    const html = await mailTicket(a, { subject: "Markup", text: 'Look: if a < b && c > "d" then kaboomword here' });
    const [item] = (await listTickets(t.db, a.tenantId, { search: "kaboomword" })).items;
    expect(item!.id).toBe(html.id);
    expect(item!.snippet!.segments.map((s) => s.text).join("")).toContain('a < b && c > "d"');
    expect(item!.snippet!.segments.find((s) => s.hit)?.text).toBe("kaboomword");
    expect(snippet("a  b\n\n c", { words: ["b"], prefixLast: false })).toEqual([
      { text: "a ", hit: false },
      { text: "b", hit: true },
      { text: " c", hit: false },
    ]);
  });

  it("R-TKT-1 keeps the index in step through a reply, a merge, an edited text and a deleted ticket", async () => {
    const first = await mailTicket(a, { subject: "Scanner", text: "The scanner on floor 3 jams." });
    const second = await mailTicket(a, { subject: "Scanner again", text: "Same problem with the duplexunit." });

    await replyToTicket(
      t.db,
      { tenantId: a.tenantId, authorId: a.userId, ...mail },
      {
        ticketId: first.id,
        to: [{ address: "someone@client-a.example" }],
        body: "Please power-cycle the quokkafeeder and retry.",
      },
    );
    expect(await found(a, "quokkafeeder")).toEqual([first.id]);

    await mergeTickets(t.db, a.tenantId, { sourceId: second.id, targetId: first.id });
    expect(await found(a, "duplexunit")).toEqual([first.id]);
    expect(await found(a, "duplexunit", "CLOSED")).toEqual([]);

    const message = await t.db.message.findFirstOrThrow({
      where: { ticketId: first.id, textBody: { contains: "floor 3" } },
    });
    await t.db.message.update({
      where: { id: message.id },
      data: { textBody: "The scanner on floor 4 jams.", newText: null },
    });
    expect(await found(a, "floor 4")).toEqual([first.id]);
    expect(await found(a, "3 jams")).toEqual([]);

    const gone = await mailTicket(a, { subject: "Temporary", text: "ephemeralword" });
    expect(await found(a, "ephemeralword")).toEqual([gone.id]);
    await t.db.$transaction([
      t.db.message.deleteMany({ where: { ticketId: gone.id } }),
      t.db.ticket.delete({ where: { id: gone.id } }),
    ]);
    expect(await found(a, "ephemeralword")).toEqual([]);
  });
});
