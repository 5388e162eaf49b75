/**
 * The gateway's Prometheus metrics (R-HEALTH-5), prom-client, one registry per process. Counters and the ingest
 * histogram count what this process did (the MTA: inbound messages and outbound deliveries; on the web they stay
 * 0); the gauges are read from the database at scrape time, so every process reports the same queue and canary
 * state. Labels never carry addresses or subjects: outcome/state words, and tenant slugs.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../db/client";
import { forwardingStatus } from "../gateway-health/forwarding-status";
import { outboundQueue } from "../gateway-health/health-summary";

export const registry = new Registry();

export const inboundMessages = new Counter({
  name: "opsmerge_inbound_messages_total",
  help: "Inbound messages by outcome per recipient group (delivered, dropped, duplicate, …) and failed (answered 451).",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

export const ingestDuration = new Histogram({
  name: "opsmerge_ingest_duration_seconds",
  help: "Time from end of DATA to the committed ingestion of an inbound message.",
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const outboundDeliveries = new Counter({
  name: "opsmerge_outbound_deliveries_total",
  help: "Outbound delivery attempts by the state they ended in (delivered, deferred, bounced).",
  labelNames: ["state"] as const,
  registers: [registry],
});

let db: Db | undefined;

/** Gives the database gauges their client (once per process; later calls replace it). */
export function useMetricsDatabase(client: Db): void {
  db = client;
}

new Gauge({
  name: "opsmerge_outbound_queue_depth",
  help: "Outbound delivery jobs waiting (queued, sending or deferred), all tenants.",
  registers: [registry],
  async collect() {
    if (db) this.set((await outboundQueue(db, {}, new Date())).depth);
  },
});

new Gauge({
  name: "opsmerge_outbound_queue_oldest_seconds",
  help: "Age of the oldest waiting outbound delivery job, in seconds (0 when none waits).",
  registers: [registry],
  async collect() {
    if (db) this.set((await outboundQueue(db, {}, new Date())).oldestAgeSeconds ?? 0);
  },
});

new Gauge({
  name: "opsmerge_forwarding_canary_ok",
  help: "1 when every watched support address of the tenant forwards (its last canary came back), 0 when one missed.",
  labelNames: ["tenant"] as const,
  registers: [registry],
  async collect() {
    if (!db) return;
    this.reset();
    const tenants = await db.tenant.findMany({ where: { canaryAddresses: { some: {} } }, select: { id: true, slug: true } });
    for (const t of tenants) {
      const states = await forwardingStatus(db, t.id);
      if (states.every((s) => s.state === "waiting")) continue;
      this.set({ tenant: t.slug }, states.some((s) => s.state === "missed" || s.state === "broken") ? 0 : 1);
    }
  },
});

/** The exposition text and its content type. */
export async function renderMetrics(): Promise<{ body: string; contentType: string }> {
  return { body: await registry.metrics(), contentType: registry.contentType };
}
