/**
 * Fault (issue 19 item 12, R-OUT-3, R-OUT-4): the MTA is killed with SIGKILL under outbound load, with five
 * deliveries in flight at once (OUTBOUND_CONCURRENCY=5), then started again. The receiving MTA holds every answer to
 * the end of DATA for a moment, so at the kill some deliveries have their dot out and wait for the 250 (which never
 * reaches the dead worker), others are still sending their DATA or their envelope. The promise is RFC 1047's: a crash
 * may cause a rare duplicate, never a loss. Every queued reply reaches the receiver (lost=0); replies whose 250 was
 * lost with the worker are sent again after their lease runs out and counted as duplicates (delivered-twice).
 *
 * Replies are queued with the product's queueReply (what the composer's tRPC procedure calls), so no web node is
 * needed; test/faults/outbound-restart.test.ts kills the web node while replies are being queued.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueReply } from "../../server/outbound";
import { createTestDatabase, testProviders, WEB_PROCESS_DB_OPTIONS, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { startMta, TEST_APP_SECRET, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { seedSendingTenant, waitUntil, type SendingTenant } from "../support/outbound-data";
import { messageIdOf, startSmtpReceiver, type SmtpReceiver } from "../support/smtp-receiver";
import { countOutbound, outboundSummaryLine } from "./support";

const REPLIES = Number(process.env.FAULT_OUTBOUND_REPLIES ?? 40);
const CONCURRENCY = 5;
const TICKETS = 5;
const CONTACTS = Array.from({ length: TICKETS }, (_, i) => `contact${i}@client.kill.example`);

describe.each(testProviders())("fault: kill -9 the MTA with 5 deliveries in flight on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let receiver: SmtpReceiver;
  let tenant: SendingTenant;
  const ticketIds: string[] = [];
  const mtas: MtaProcess[] = [];
  const current: { mta: MtaProcess | null } = { mta: null };

  const startMtaNode = async () => {
    const mta = await startMta({
      databaseUrl: database.url,
      dnsServers: dns.address,
      env: {
        OUTBOUND_RELAY: receiver.address,
        OUTBOUND_CONCURRENCY: String(CONCURRENCY),
        // A killed worker's jobs come back after 10 s (renewed every ~3 s while a delivery runs).
        OUTBOUND_LEASE_SECONDS: "10",
        OUTBOUND_RETRY_SCHEDULE: "1,2,5",
      },
    });
    mtas.push(mta);
    current.mta = mta;
    return mta;
  };

  beforeAll(async () => {
    [database, dns, receiver] = await Promise.all([createTestDatabase(provider, WEB_PROCESS_DB_OPTIONS), startDnsServer(), startSmtpReceiver()]);
    tenant = await seedSendingTenant(database.db, dns, {
      slug: "killout",
      domain: "killout-msp.example",
      clientDomain: "client.kill.example",
      contacts: CONTACTS,
    });
    for (let i = 0; i < TICKETS; i++) {
      const contact = await database.db.contact.findFirstOrThrow({ where: { tenantId: tenant.tenantId, email: CONTACTS[i]! } });
      const ticket = await database.db.ticket.create({
        data: { tenantId: tenant.tenantId, number: i + 1, subject: `Backup ${i} failed`, clientId: tenant.clientId, requesterId: contact.id },
      });
      ticketIds.push(ticket.id);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(mtas.map((m) => m.stop()));
    await Promise.all([receiver?.close(), dns?.close()]);
    await database?.drop();
  });

  it(
    "R-OUT-3 R-OUT-4: kill -9 with 5 deliveries in flight: every queued reply arrives (lost=0), duplicates counted",
    { timeout: 400_000 },
    async () => {
      const run = randomBytes(3).toString("hex");
      const tokens = Array.from({ length: REPLIES }, (_, i) => `mtakill-${run}-${i}`);
      for (const [i, token] of tokens.entries()) {
        await queueReply(database.db, {
          tenantId: tenant.tenantId,
          ticketId: ticketIds[i % TICKETS]!,
          authorId: tenant.userId,
          to: [CONTACTS[i % TICKETS]!],
          cc: [],
          bodyText: `Here is an update. [fault-token ${token}]\n`,
          secret: TEST_APP_SECRET,
          inboundDomain: TEST_INBOUND_DOMAIN,
        });
      }
      // The receiver holds each answer to the end of DATA, so all five worker slots are busy at any moment; the kill
      // comes while the receiver holds the answer to one of them (its dot is out, its 250 will reach nobody).
      const killAt = Math.floor(REPLIES / 4);
      let seen = 0;
      let peakInFlight = 0;
      let inFlight = 0;
      let inFlightAtKill = 0;
      const fault: { restart: Promise<void> | null } = { restart: null };
      let downtimeMs = 0;
      receiver.rules = {
        data: async () => {
          peakInFlight = Math.max(peakInFlight, ++inFlight);
          if (++seen === killAt && !fault.restart) {
            inFlightAtKill = inFlight;
            fault.restart = (async () => {
              const t0 = performance.now();
              await current.mta!.kill("SIGKILL");
              await new Promise((r) => setTimeout(r, 1_000));
              await startMtaNode();
              downtimeMs = Math.round(performance.now() - t0);
            })();
          }
          await new Promise((r) => setTimeout(r, 400));
          inFlight--;
          return null;
        },
      };
      const attemptsBefore = receiver.attempts.length;
      await startMtaNode();
      await waitUntil("the MTA kill", () => Promise.resolve(fault.restart !== null), { timeoutMs: 180_000, context: () => current.mta?.output().slice(-3000) ?? "" });
      await fault.restart;

      const receivedIds = () => receiver.messages.map(messageIdOf).filter((id): id is string => id !== null);
      let missing = "";
      await waitUntil(
        "every queued reply delivered after the restart",
        async () => {
          const summary = await countOutbound(database.db, { tenantId: tenant.tenantId, tokens, accepted: new Set(tokens), receivedIds: receivedIds() });
          const open = await database.db.outboundJob.findMany({
            where: { tenantId: tenant.tenantId, state: { not: "DELIVERED" } },
            select: { state: true, attempts: true, lockedUntil: true, dataSentAt: true, lastReply: true },
          });
          missing = `lost=${summary.lost} open jobs: ${JSON.stringify(open)}`;
          return summary.lost === 0 && open.length === 0;
        },
        { timeoutMs: 240_000, context: () => `${missing}\n${current.mta?.output().slice(-3000) ?? ""}` },
      );
      receiver.rules = {};

      const summary = await countOutbound(database.db, { tenantId: tenant.tenantId, tokens, accepted: new Set(tokens), receivedIds: receivedIds() });
      const ids = [...summary.messageIds.values()].flat();
      const resent = await database.db.activityLog.count({
        where: { tenantId: tenant.tenantId, messageIdHeader: { in: ids }, outcome: "DELIVERED", reason: { contains: "may arrive twice" } },
      });
      const attempts = receiver.attempts.length - attemptsBefore;
      console.log(
        outboundSummaryLine(
          "mta-kill-9-outbound",
          provider,
          summary,
          `concurrency=${CONCURRENCY} in-flight-at-kill=${inFlightAtKill} peak-in-flight=${peakInFlight} resent-after-dot=${resent}` +
            ` receiver-end-of-data=${attempts} downtime=${downtimeMs} ms`,
        ),
      );

      expect(peakInFlight, "several deliveries were in flight at once").toBeGreaterThanOrEqual(3);
      expect(inFlightAtKill, "the kill landed with deliveries in flight").toBeGreaterThanOrEqual(1);
      expect(summary.stored).toBe(REPLIES);
      expect(summary.storedTwice).toBe(0);
      expect(summary.lost).toBe(0);
      // The delivery whose answer the receiver held at the kill had its dot out: it was sent again (a duplicate).
      expect(resent, "a delivery past its end of DATA was sent again").toBeGreaterThanOrEqual(1);
      expect(summary.deliveredTwice).toBeLessThanOrEqual(resent);
      const states = await database.db.message.findMany({ where: { messageIdHeader: { in: ids } }, select: { deliveryState: true } });
      expect(states.every((m) => m.deliveryState === "DELIVERED")).toBe(true);
    },
  );
});
