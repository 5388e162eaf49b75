/**
 * Automated mail over real SMTP (R-IN-8, R-IN-9, R-AUTO-1, R-AUTO-2, R-AUTO-3): the real MTA (scripts/mta.ts), a
 * real database of every provider and a local DNS server. Alerts, group mail and notices open tickets marked
 * Automated and are never acknowledged; repeats fold; alert rules open, append, close and drop; acknowledgements
 * go only to senders whose From authenticates; and a loop between two helpdesks dies.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlertRule } from "../../server/alert-rules/manage-alert-rules";
import { tenantMailbox } from "../../server/mail/addresses";
import { createTestDatabase, testProviders, WEB_PROCESS_DB_OPTIONS, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createClientRow, createTenantRow } from "../support/gateway-data";
import { sendMail, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { seedSendingTenant, SPF_INCLUDE } from "../support/outbound-data";
import { buildMessage, uniqueId } from "./helpers";

const fixtures = path.resolve(import.meta.dirname, "../fixtures");
const mailbox = (slug: string) => tenantMailbox(slug, TEST_INBOUND_DOMAIN);
const SPF_LOCAL = [{ type: "TXT" as const, data: "v=spf1 ip4:127.0.0.1 -all" }];

/** A fixture as sent again: a fresh Message-Id (and subject, when given), CRLF line ends. */
function fixtureMail(file: string, change: { subject?: string } = {}): { raw: Buffer; messageId: string; from: string } {
  let text = readFileSync(path.join(fixtures, file), "latin1").replace(/\r?\n/g, "\r\n");
  const messageId = uniqueId("client-a.example");
  text = text.replace(/^Message-ID: .*$/im, `Message-ID: <${messageId}>`);
  if (change.subject) text = text.replace(/^Subject: .*$/im, `Subject: ${change.subject}`);
  const from = /^Return-Path: <([^>]*)>/im.exec(text)?.[1] ?? "";
  return { raw: Buffer.from(text, "latin1"), messageId, from };
}

describe.each(testProviders())("automated mail on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let mta: MtaProcess;
  let acme: { id: string };
  let clientA: { id: string };
  let clientB: { id: string };
  const db = () => database.db;

  async function deliverOk(raw: Buffer, envelope: { from: string; to: string }) {
    const result = await sendMail(mta, { from: envelope.from, to: [envelope.to], data: raw });
    expect(result.final?.code, `${JSON.stringify(result.final)}\n${mta.output().slice(-3000)}`).toBe(250);
  }
  const stored = (tenantId: string, messageIdHeader: string) =>
    db().message.findFirst({ where: { tenantId, messageIdHeader }, include: { ticket: true } });
  const activity = async (tenantId: string, messageIdHeader: string) =>
    (await db().activityLog.findFirst({ where: { tenantId, messageIdHeader, direction: "INBOUND" } }))!;
  const acksTo = (tenantId: string, address: string) =>
    db().activityLog.count({ where: { tenantId, direction: "OUTBOUND", toAddress: address, reason: "auto-acknowledgement" } });
  const decisions = (row: { decisionsJson: string | null }) => JSON.parse(row.decisionsJson ?? "[]") as string[];

  beforeAll(async () => {
    database = await createTestDatabase(provider, WEB_PROCESS_DB_OPTIONS);
    dns = await startDnsServer({
      // The client's devices and people send from 127.0.0.1 with SPF passing and no DMARC: authenticated (R-IN-9).
      "client-a.example": SPF_LOCAL,
      "rmm.example": SPF_LOCAL,
      // A victim domain with DMARC p=none that the attacker cannot send for, and a domain with no records at all.
      "victim-corp.example": [{ type: "TXT", data: "v=spf1 ip4:192.0.2.99 -all" }],
      "_dmarc.victim-corp.example": [{ type: "TXT", data: "v=DMARC1; p=none" }],
      // What the sending domains' SPF records include: the gateway's outbound addresses.
      [SPF_INCLUDE]: SPF_LOCAL,
    });
    acme = await createTenantRow(database.db, "acme");
    clientA = await createClientRow(database.db, acme.id, { name: "Client A", primaryDomain: "client-a.example" });
    clientB = await createClientRow(database.db, acme.id, { name: "Client B", primaryDomain: "client-b.example" });
    mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address, env: { OUTBOUND_DELIVERY: "off" } });
  });

  afterAll(async () => {
    await mta?.stop();
    await dns?.close();
    await database?.drop();
  });

  it("R-IN-8 each class: alerts, group mail and notices open Automated tickets, never acknowledged; a person's mail is acknowledged; auto-replies and reports open nothing", async () => {
    const person = uniqueId("client-a.example");
    await deliverOk(await buildMessage({ from: "maria@client-a.example", to: mailbox("acme"), messageId: person }), {
      from: "maria@client-a.example",
      to: mailbox("acme"),
    });
    expect((await stored(acme.id, person))!.ticket).toMatchObject({ automated: false, clientId: clientA.id });
    expect(await acksTo(acme.id, "maria@client-a.example")).toBe(1);

    for (const file of ["automated/alerts/synology-volume-degraded.eml", "automated/groups/google-groups.eml", "automated/alerts/rmm-disk-space.eml"]) {
      const mail = fixtureMail(file);
      await deliverOk(mail.raw, { from: mail.from, to: mailbox("acme") });
      const message = (await stored(acme.id, mail.messageId))!;
      expect(message, file).toMatchObject({ kind: "AUTOMATED", ticket: { automated: true, status: "OPEN" } });
      const row = await activity(acme.id, mail.messageId);
      expect(row.outcome).toBe("DELIVERED");
      expect(decisions(row)[0], file).toMatch(/^automated notification/);
      expect(decisions(row).at(-1)).toMatch(/^no acknowledgement: automated/);
      const sender = (await simpleParser(mail.raw)).from!.value[0]!.address!.toLowerCase();
      expect(await acksTo(acme.id, sender), file).toBe(0);
    }
    // The RMM's alert is from a domain no client owns: it still becomes a ticket, in the Unattributed queue.
    expect((await db().ticket.findFirst({ where: { tenantId: acme.id, requester: { email: "no-reply@rmm.example" } } }))!.clientId).toBeNull();

    const vacation = fixtureMail("autoreplies/sisimai/rfc3834-03.eml");
    await deliverOk(vacation.raw, { from: "", to: mailbox("acme") });
    expect(await stored(acme.id, vacation.messageId)).toBeNull();
    const dropped = await activity(acme.id, vacation.messageId);
    expect(dropped.outcome).toBe("DROPPED");
    expect(decisions(dropped)[0]).toMatch(/^(auto-reply|report)/);
  });

  it("R-IN-9 no acknowledgement to a forged From: DMARC fail, or no SPF, DKIM or DMARC at all", async () => {
    const phish = uniqueId("attacker.example");
    await deliverOk(
      await buildMessage({
        from: '"Your account is suspended - verify at https://phish.example" <ceo@victim-corp.example>',
        to: mailbox("acme"),
        messageId: phish,
        subject: "Account suspended",
      }),
      { from: "bounce@attacker.example", to: mailbox("acme") },
    );
    const nothing = uniqueId("nothing.example");
    await deliverOk(await buildMessage({ from: "someone@nothing.example", to: mailbox("acme"), messageId: nothing }), {
      from: "someone@nothing.example",
      to: mailbox("acme"),
    });
    for (const [id, sender] of [
      [phish, "ceo@victim-corp.example"],
      [nothing, "someone@nothing.example"],
    ] as const) {
      expect((await stored(acme.id, id))!.ticket).toBeTruthy();
      const row = await activity(acme.id, id);
      expect(row.reason).toContain("no auto-acknowledgement (sender not authenticated)");
      expect(decisions(row)).toContain("no acknowledgement: sender not authenticated");
      expect(await acksTo(acme.id, sender)).toBe(0);
    }
    expect(await db().outboundJob.count({ where: { tenantId: acme.id, recipients: { contains: "victim-corp.example" } } })).toBe(0);
  });

  it("R-AUTO-1 fifty repeats of one alert make one ticket with fifty messages", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const messageId = uniqueId("client-a.example");
      ids.push(messageId);
      const runtime = 50 - i;
      await deliverOk(
        await buildMessage({
          from: "ups01@client-a.example",
          to: mailbox("acme"),
          messageId,
          subject: `UPS01: On battery power, ${runtime} min runtime left (14:${String(i).padStart(2, "0")}:07)`,
          headers: { Precedence: "bulk" },
        }),
        { from: "ups01@client-a.example", to: mailbox("acme") },
      );
    }
    const tickets = await db().ticket.findMany({ where: { tenantId: acme.id, requester: { email: "ups01@client-a.example" } }, include: { _count: { select: { messages: true } } } });
    expect(tickets).toHaveLength(1);
    expect(tickets[0]!._count.messages).toBe(50);
    const last = await activity(acme.id, ids.at(-1)!);
    expect(last.reason).toContain(`repeat of #${tickets[0]!.number}`);
    expect(decisions(last)).toContain(`repeat of #${tickets[0]!.number}: appended instead of opening a new ticket`);
  });

  it("R-AUTO-1 a person's mail folds only past a burst of more than five new tickets in ten minutes", async () => {
    const sender = "pat@client-a.example";
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const messageId = uniqueId("client-a.example");
      ids.push(messageId);
      await deliverOk(await buildMessage({ from: sender, to: mailbox("acme"), messageId, subject: `Printer offline (try ${i + 1})` }), {
        from: sender,
        to: mailbox("acme"),
      });
    }
    const tickets = await db().ticket.findMany({ where: { tenantId: acme.id, requester: { email: sender } }, orderBy: { number: "asc" } });
    expect(tickets).toHaveLength(6);
    for (const id of ids.slice(6)) {
      expect((await stored(acme.id, id))!.ticketId).toBe(tickets[5]!.id);
      expect((await activity(acme.id, id)).reason).toContain(`repeat of #${tickets[5]!.number}`);
    }
    // The acknowledgement's own limit still holds for the ones that opened tickets.
    expect(await acksTo(acme.id, sender)).toBe(3);
  });

  it("R-AUTO-2 alert rules: open with a client and status, close on recovery, drop, append", async () => {
    await db().user.create({ data: { id: "rules-admin", tenantId: acme.id, name: "Ann", email: "ann@acme.test", role: "ADMIN" } });
    const make = (input: Parameters<typeof createAlertRule>[1]["rule"]) =>
      createAlertRule(db(), { tenantId: acme.id, userId: "rules-admin", rule: input });
    const recovery = await make({ name: "NAS recovered", sender: "nas01@client-a.example", subject: "has been repaired", action: "CLOSE" });
    const nas = await make({ name: "NAS to Client B", sender: "nas01@client-a.example", action: "OPEN", clientId: clientB.id, ticketStatus: "PENDING" });
    const noise = await make({ name: "Firewall noise", sender: "fw01@client-a.example", subject: "alert condition", action: "DROP" });
    const veeam = await make({ name: "Veeam", sender: "veeam@client-a.example", subject: "[Failed] *", subjectMode: "GLOB", action: "APPEND" });

    // A technician dealt with the NAS's earlier alert (the first test's): the next one may open a ticket again.
    await db().ticket.updateMany({ where: { tenantId: acme.id, requester: { email: "nas01@client-a.example" } }, data: { status: "CLOSED" } });
    const degraded = fixtureMail("automated/alerts/synology-volume-degraded.eml");
    await deliverOk(degraded.raw, { from: degraded.from, to: mailbox("acme") });
    const opened = (await stored(acme.id, degraded.messageId))!;
    expect(opened.ticket).toMatchObject({ clientId: clientB.id, status: "PENDING", automated: true });
    const openedRow = await activity(acme.id, degraded.messageId);
    expect(openedRow.alertRuleId).toBe(nas.id);
    expect(decisions(openedRow)).toContain("alert rule “NAS to Client B” (sender nas01@client-a.example)");

    const repaired = fixtureMail("automated/alerts/synology-volume-recovered.eml");
    await deliverOk(repaired.raw, { from: repaired.from, to: mailbox("acme") });
    expect((await stored(acme.id, repaired.messageId))!.ticketId).toBe(opened.ticketId);
    expect((await db().ticket.findUniqueOrThrow({ where: { id: opened.ticketId } })).status).toBe("CLOSED");
    const closedRow = await activity(acme.id, repaired.messageId);
    expect(closedRow.alertRuleId).toBe(recovery.id);
    expect(decisions(closedRow).join("\n")).toMatch(/and closed it \(recovery\)/);

    const firewall = fixtureMail("automated/alerts/firewall-vpn-down.eml");
    await deliverOk(firewall.raw, { from: firewall.from, to: mailbox("acme") });
    expect(await stored(acme.id, firewall.messageId)).toBeNull();
    expect(await activity(acme.id, firewall.messageId)).toMatchObject({ outcome: "DROPPED", alertRuleId: noise.id });

    const first = fixtureMail("automated/alerts/veeam-job-failed.eml");
    await deliverOk(first.raw, { from: first.from, to: mailbox("acme") });
    const second = fixtureMail("automated/alerts/veeam-job-failed.eml", { subject: "[Failed] Nightly file server backup (2 objects) 2 failed" });
    await deliverOk(second.raw, { from: second.from, to: mailbox("acme") });
    const firstTicket = (await stored(acme.id, first.messageId))!.ticketId;
    expect((await stored(acme.id, second.messageId))!.ticketId).toBe(firstTicket);
    expect((await activity(acme.id, second.messageId)).alertRuleId).toBe(veeam.id);

    const counts = await db().alertRule.findMany({ where: { tenantId: acme.id }, orderBy: { position: "asc" }, select: { name: true, matchCount: true } });
    expect(counts).toEqual([
      { name: "NAS recovered", matchCount: 1 },
      { name: "NAS to Client B", matchCount: 1 },
      { name: "Firewall noise", matchCount: 1 },
      { name: "Veeam", matchCount: 2 },
    ]);
  });

  it("R-IN-9 a loop between two helpdesks that strip loop headers dies: one ticket on each side, bounded exchange", async () => {
    // Two tenants on verified sending domains, each acknowledging from its own support address; each support
    // mailbox forwards into its gateway. The test carries every acknowledgement across with Auto-Submitted,
    // X-Auto-Response-Suppress and Precedence removed, as a helpdesk that drops them would.
    const north = await seedSendingTenant(db(), dns, { slug: "north", domain: "north-msp.example", clientDomain: "n-client.example", contacts: [] });
    const south = await seedSendingTenant(db(), dns, { slug: "south", domain: "south-msp.example", clientDomain: "s-client.example", contacts: [] });
    await db().tenant.updateMany({ where: { id: { in: [north.tenantId, south.tenantId] } }, data: { autoAckEnabled: true } });
    const mailboxOf: Record<string, string> = { "support@north-msp.example": mailbox("north"), "support@south-msp.example": mailbox("south") };
    const tenantOf: Record<string, string> = { "support@north-msp.example": north.tenantId, "support@south-msp.example": south.tenantId };

    // It starts with one mail from south's support address to north.
    const start = uniqueId("south-msp.example");
    await deliverOk(await buildMessage({ from: "support@south-msp.example", to: mailbox("north"), messageId: start, subject: "Shared customer" }), {
      from: "support@south-msp.example",
      to: mailbox("north"),
    });

    const carried = new Set<string>();
    let exchanged = 0;
    for (let round = 0; round < 10; round++) {
      const pending = await db().message.findMany({
        where: { kind: "AUTO_ACK", tenantId: { in: [north.tenantId, south.tenantId] }, id: { notIn: [...carried] } },
        include: { source: true },
      });
      if (!pending.length) break;
      for (const ack of pending) {
        carried.add(ack.id);
        exchanged++;
        const to = (JSON.parse(ack.toJson) as { address: string }[])[0]!.address;
        const stripped = Buffer.from(ack.source!.raw)
          .toString("latin1")
          .replace(/\r?\n/g, "\r\n")
          .replace(/^(Auto-Submitted|X-Auto-Response-Suppress|Precedence): .*\r\n/gim, "");
        expect(stripped).not.toMatch(/^Auto-Submitted:/im);
        await deliverOk(Buffer.from(stripped, "latin1"), { from: ack.fromAddress, to: mailboxOf[to]! });
        expect(tenantOf[to]).toBeTruthy();
      }
    }
    expect(exchanged).toBeLessThanOrEqual(2);
    expect(await db().ticket.count({ where: { tenantId: north.tenantId } })).toBe(1);
    expect(await db().ticket.count({ where: { tenantId: south.tenantId } })).toBe(1);
    // The last acknowledgement landed on the ticket it answers, and nothing is left to carry.
    const northTicket = await db().ticket.findFirstOrThrow({ where: { tenantId: north.tenantId }, include: { messages: true } });
    expect(northTicket.messages.filter((m) => m.direction === "INBOUND")).toHaveLength(2);
    const lastRow = await db().activityLog.findFirstOrThrow({
      where: { tenantId: north.tenantId, direction: "INBOUND" },
      orderBy: { createdAt: "desc" },
    });
    expect(lastRow.reason).toMatch(/^reply \(/);
    expect(decisions(lastRow)).toContain("no acknowledgement: only a new ticket is acknowledged");
  });
});
