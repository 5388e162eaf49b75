/**
 * R-HEALTH-5: `/metrics` on the MTA (MTA_METRICS_PORT) and on the web (METRICS_TOKEN) after real traffic, parsed
 * as Prometheus text, on every provider of testProviders(). Three client messages become tickets and are
 * acknowledged (three deliveries to the receiving MTA), one is sent twice (a duplicate): the MTA's counters say
 * exactly that, its histogram counted four ingestions, and both processes report the queue from the database.
 * No label carries an address or a subject.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startDnsServer, type TestDnsServer } from "../support/dns-server";
import { createTenantRow } from "../support/gateway-data";
import { deadPort, sendMail, startMta, TEST_INBOUND_DOMAIN, type MtaProcess } from "../support/mta";
import { waitUntil } from "../support/outbound-data";
import { parsePrometheusText, sampleValue, type Exposition } from "../support/prometheus-text";
import { startSmtpReceiver, type SmtpReceiver } from "../support/smtp-receiver";
import { startWeb, type WebProcess } from "../support/web";
import { buildMessage, uniqueId } from "./helpers";

const TOKEN = "metrics-token-0123456789";

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Exposition> {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

describe.each(testProviders())("Prometheus metrics on %s", (provider) => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let receiver: SmtpReceiver;
  let mta: MtaProcess;
  let web: WebProcess;
  let webDir: string;
  const mailbox = `support@acme.${TEST_INBOUND_DOMAIN}`;

  beforeAll(async () => {
    [database, dns, receiver] = await Promise.all([createTestDatabase(provider), startDnsServer(), startSmtpReceiver()]);
    // Acknowledgements go to authenticated senders only (R-IN-9).
    dns.set("client.example", [{ type: "TXT", data: ["v=spf1 ip4:127.0.0.1 -all"] }]);
    await createTenantRow(database.db, "acme", { autoAckEnabled: true });
    mta = await startMta({ databaseUrl: database.url, dnsServers: dns.address, env: { OUTBOUND_RELAY: receiver.address } });
    webDir = mkdtempSync(path.join(tmpdir(), "opsmerge-web-"));
    web = await startWeb({ databaseUrl: database.url, port: await deadPort(), dataDir: webDir, env: { METRICS_TOKEN: TOKEN } });
  }, 600_000);

  afterAll(async () => {
    await web?.stop();
    await mta?.stop();
    await Promise.all([receiver?.close(), dns?.close()]);
    await database?.drop();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  it("R-HEALTH-5 the counters match the traffic sent; both processes report the queue; the web needs its token", async () => {
    const port = Number(/OPSMERGE_MTA_METRICS [^\s]*?:(\d+)/.exec(mta.output())?.[1]);
    expect(port).toBeGreaterThan(0);
    const sent: Buffer[] = [];
    for (const who of ["ann", "bob", "cid"]) {
      const raw = await buildMessage({ from: `${who}@client.example`, to: mailbox, subject: `Printer ${who}`, messageId: uniqueId("client.example") });
      sent.push(raw);
      const r = await sendMail(mta, { from: `${who}@client.example`, to: [mailbox], data: raw });
      expect(r.final?.code).toBe(250);
    }
    const again = await sendMail(mta, { from: "ann@client.example", to: [mailbox], data: sent[0]! });
    expect(again.final?.code).toBe(250);
    await waitUntil("three acknowledgements delivered", () => Promise.resolve(receiver.messages.length >= 3 ? true : null));
    await waitUntil("the queue empty", async () => ((await database.db.outboundJob.count({ where: { state: { not: "DELIVERED" } } })) === 0 ? true : null));

    const m = await waitUntil("the MTA counting three deliveries", async () => {
      const e = await scrape(`http://127.0.0.1:${port}/metrics`);
      return sampleValue(e, "opsmerge_outbound_deliveries_total", { state: "delivered" }) === 3 ? e : null;
    });
    expect(m.types.get("opsmerge_inbound_messages_total")).toBe("counter");
    expect(m.types.get("opsmerge_ingest_duration_seconds")).toBe("histogram");
    expect(sampleValue(m, "opsmerge_inbound_messages_total", { outcome: "delivered" })).toBe(3);
    expect(sampleValue(m, "opsmerge_inbound_messages_total", { outcome: "duplicate" })).toBe(1);
    expect(sampleValue(m, "opsmerge_ingest_duration_seconds_count")).toBe(4);
    expect(sampleValue(m, "opsmerge_ingest_duration_seconds_bucket", { le: "+Inf" })).toBe(4);
    expect(sampleValue(m, "opsmerge_outbound_queue_depth")).toBe(0);
    expect(sampleValue(m, "opsmerge_outbound_queue_oldest_seconds")).toBe(0);
    // Issue 15 item 8: how long the MTA's event loop was held since the last scrape.
    expect(m.types.get("opsmerge_event_loop_delay_seconds")).toBe("gauge");
    expect(sampleValue(m, "opsmerge_event_loop_delay_seconds", { stat: "max" })).toBeGreaterThanOrEqual(0);
    expect(sampleValue(m, "opsmerge_event_loop_delay_seconds", { stat: "p99" })).toBeGreaterThanOrEqual(0);

    // The web: refused without the token, and with it the same database gauges (its own counters saw no mail).
    expect((await fetch(`${web.url}/metrics`)).status).toBe(403);
    expect((await fetch(`${web.url}/metrics`, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(403);
    const w = await scrape(`${web.url}/metrics`, { authorization: `Bearer ${TOKEN}` });
    expect(sampleValue(w, "opsmerge_outbound_queue_depth")).toBe(0);
    expect(w.types.get("opsmerge_forwarding_canary_ok")).toBe("gauge");
    expect(sampleValue(w, "opsmerge_inbound_messages_total", { outcome: "delivered" })).toBeUndefined();

    // No personal data in labels: no address, no subject.
    for (const s of [...m.samples, ...w.samples]) {
      for (const v of Object.values(s.labels)) expect(v).not.toMatch(/@|Printer/);
    }
  }, 600_000);
});
