/**
 * Fault: the MTA is killed with SIGKILL in the middle of a load run and started again (R-IN-10). Senders are real
 * SMTP sessions that retry on 4xx and on dropped connections, as MTAs do. Afterwards every message that got a
 * 250 is in the database exactly once, and every other one was retried and arrived: nothing is lost, nothing is
 * stored twice (a message committed just before the kill, whose 250 never reached the sender, is retried and
 * recognised as a duplicate by its Message-Id).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantMailbox } from "../../server/mail/addresses";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { sendWithRetries } from "../support/retrying-sender";
import { countStored, faultMessages, stablePort, summaryLine } from "./support";

const MESSAGES = Number(process.env.FAULT_MESSAGES ?? 240);

describe.each(testProviders())("fault: kill -9 the MTA mid-stream on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let dataDir: string;
  let port: number;
  const processes: MtaProcess[] = [];

  const start = async () => {
    const mta = await startMta({
      databaseUrl: database.url,
      dnsServers: dns.address,
      dataDir,
      env: { SMTP_PORT: String(port), SMTP_MAX_CONNECTIONS_PER_IP: "100" },
    });
    processes.push(mta);
    return mta;
  };

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    dns = await startDnsServer({});
    await createTenantRow(database.db, "killed");
    dataDir = mkdtempSync(path.join(tmpdir(), "opsmerge-fault-kill-"));
    port = await stablePort();
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await dns?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    "R-IN-10: every 250 is stored exactly once and every other message is retried and arrives",
    { timeout: 300_000 },
    async () => {
      const first = await start();
      const messages = faultMessages(MESSAGES, tenantMailbox("killed", TEST_INBOUND_DOMAIN), "kill");
      let accepted = 0;
      // Held in an object: TypeScript does not see the callback assign it.
      const fault: { restart: Promise<void> | null } = { restart: null };
      let downtimeMs = 0;
      const report = await sendWithRetries({
        host: "127.0.0.1",
        port,
        sessions: 8,
        messages,
        deadlineMs: 240_000,
        retryDelayMs: 300,
        onFinalReply: (code) => {
          if (code !== 250 || ++accepted !== Math.floor(MESSAGES / 3) || fault.restart) return;
          // Mid-stream: other sessions are between DATA and the reply right now.
          fault.restart = (async () => {
            const t0 = performance.now();
            await first.kill("SIGKILL");
            await new Promise((r) => setTimeout(r, 1_000));
            await start();
            downtimeMs = Math.round(performance.now() - t0);
          })();
        },
      });
      await fault.restart;
      expect(fault.restart, "the kill happened").not.toBeNull();
      const summary = await countStored(database.db, messages, report);
      // One activity row per delivered message; any extra rows are retries recognised as duplicates.
      const outcomes = await database.db.activityLog.groupBy({
        by: ["outcome"],
        where: { messageIdHeader: { in: messages.map((m) => m.id) }, direction: "INBOUND" },
        _count: true,
      });
      const retriedAfterCommit = outcomes.find((o) => o.outcome === "DUPLICATE")?._count ?? 0;
      console.log(
        `${summaryLine("mta-kill-9", provider, summary, report)} downtime=${downtimeMs} ms retried-after-commit=${retriedAfterCommit}`,
      );

      expect(report.connectionErrors + report.tempReplies, "the kill was felt by the senders").toBeGreaterThan(0);
      expect([...report.rejectedIds.values()], "no permanent refusals").toEqual([]);
      expect(summary.missingAccepted, "every 250 is stored").toEqual([]);
      expect(summary.duplicates).toBe(0);
      expect(summary.accepted).toBe(MESSAGES);
      expect(summary.stored).toBe(MESSAGES);
      expect(summary.lost).toBe(0);
      const delivered = outcomes.find((o) => o.outcome === "DELIVERED")?._count ?? 0;
      expect(delivered).toBe(MESSAGES);
      expect(outcomes.every((o) => o.outcome === "DELIVERED" || o.outcome === "DUPLICATE")).toBe(true);
    },
  );
});
