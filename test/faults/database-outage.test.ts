/**
 * Fault: the database goes away in the middle of a load run and comes back (R-IN-10). PostgreSQL is reached
 * through a TCP proxy the test cuts (every connection reset, new ones reset at once) and restores — the machine's shared
 * PostgreSQL server itself is never touched. SQLite is made unwritable by another process holding its write lock
 * longer than the MTA's busy timeout (the test runs as root, so file permissions would not stop it). In between
 * the gateway answers 4xx (never 5xx, never a 250 it cannot keep), it recovers by itself without a restart, and
 * the final count matches what the senders were told was accepted.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantMailbox } from "../../server/mail/addresses";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { sendWithRetries } from "../support/retrying-sender";
import { proxiedPostgresUrl, type CuttableProxy } from "../support/cuttable-proxy";
import { countStored, faultMessages, summaryLine } from "./support";

const MESSAGES = Number(process.env.FAULT_MESSAGES ?? 240);

describe.each(testProviders())("fault: the database goes away mid-stream on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let proxy: CuttableProxy | undefined;
  let mta: MtaProcess;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    let databaseUrl = database.url;
    if (provider === "postgresql") {
      ({ url: databaseUrl, proxy } = await proxiedPostgresUrl(database.url));
    }
    dns = await startDnsServer({});
    await createTenantRow(database.db, "outage");
    mta = await startMta({ databaseUrl, dnsServers: dns.address, env: { SMTP_MAX_CONNECTIONS_PER_IP: "100" } });
  });

  afterAll(async () => {
    await mta?.stop();
    await proxy?.close();
    await dns?.close();
    await database?.drop();
  });

  /** Takes the database away; returns the function that brings it back. */
  function takeDatabaseAway(): () => Promise<void> {
    if (provider === "postgresql") {
      proxy!.cut();
      return () => {
        proxy!.restore();
        return Promise.resolve();
      };
    }
    const holder = new Database(database.url.replace(/^file:/, ""));
    holder.exec("BEGIN EXCLUSIVE");
    return () => {
      holder.exec("ROLLBACK");
      holder.close();
      return Promise.resolve();
    };
  }

  it(
    "R-IN-10: 4xx while it is away, recovery without a restart, stored = accepted = sent",
    { timeout: 300_000 },
    async () => {
      const messages = faultMessages(MESSAGES, tenantMailbox("outage", TEST_INBOUND_DOMAIN), "outage");
      // SQLite writers wait out a 10 s busy timeout before failing, so the lock must be held longer than that.
      const outageMs = provider === "sqlite" ? 14_000 : 6_000;
      let accepted = 0;
      const fault: { outage: Promise<void> | null } = { outage: null };
      let down = false;
      const during = { temp: 0, ok: 0, perm: 0 };
      const report = await sendWithRetries({
        host: mta.host,
        port: mta.port,
        sessions: 6,
        messages,
        deadlineMs: 240_000,
        retryDelayMs: 500,
        onFinalReply: (code) => {
          if (down) {
            if (code === 250) during.ok++;
            else if (code >= 500) during.perm++;
            else during.temp++;
          }
          if (code !== 250 || ++accepted !== Math.floor(MESSAGES / 4) || fault.outage) return;
          fault.outage = (async () => {
            const bringBack = takeDatabaseAway();
            down = true;
            // At least outageMs, and until a sender has been told 4xx: on a busy machine the MTA's first write
            // may start waiting late, and SQLite's wait is synchronous (at most 60 s, then the checks below fail).
            const since = Date.now();
            while (Date.now() - since < outageMs || (during.temp === 0 && Date.now() - since < 60_000)) {
              await new Promise((r) => setTimeout(r, 100));
            }
            down = false;
            await bringBack();
          })();
        },
      });
      await fault.outage;
      expect(fault.outage, "the outage happened").not.toBeNull();
      const summary = await countStored(database.db, messages, report);
      console.log(
        `${summaryLine("database-outage", provider, summary, report)} outage=${outageMs} ms` +
          ` replies-while-down: 4xx=${during.temp} 250=${during.ok} 5xx=${during.perm}`,
      );

      expect(report.tempReplies, "the gateway answered 4xx while the database was away").toBeGreaterThan(0);
      expect(during.perm).toBe(0);
      expect([...report.rejectedIds.values()], "no permanent refusals").toEqual([]);
      expect(summary.missingAccepted, "every 250 is stored").toEqual([]);
      expect(summary.duplicates).toBe(0);
      expect(summary.accepted).toBe(MESSAGES);
      expect(summary.stored).toBe(MESSAGES);
      expect(summary.lost).toBe(0);
      // The same process carries on after the outage.
      expect(mta.output()).not.toMatch(/OPSMERGE_MTA_READY[\s\S]*OPSMERGE_MTA_READY/);
    },
  );
});
