/**
 * The gateway's Prometheus metrics (R-HEALTH-5), prom-client, two registries per process. `workRegistry`: counters
 * and the ingest histogram count what this process did (the MTA: inbound messages and outbound deliveries; on the
 * web they stay 0); in an MTA cluster (SMTP_WORKERS > 1) the primary sums its workers' (AggregatorRegistry).
 * `stateRegistry`: gauges read from the database at scrape time, so every process reports the same queue and
 * canary state, once. Labels never carry addresses or subjects: outcome/state words, and tenant slugs.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, type PrometheusContentType } from "prom-client";
import type { Db } from "../db/client";
import { forwardingStatus } from "../gateway-health/forwarding-status";
import { outboundQueue } from "../gateway-health/health-summary";

const workRegistry = new Registry();
const stateRegistry = new Registry();
// A cluster worker answers its primary's requests with its own counters only (the gauges are the primary's).
AggregatorRegistry.setRegistries([workRegistry]);

export const inboundMessages = new Counter({
  name: "opsmerge_inbound_messages_total",
  help: "Inbound messages by outcome per recipient group (delivered, dropped, duplicate, …) and failed (answered 451).",
  labelNames: ["outcome"] as const,
  registers: [workRegistry],
});

export const ingestDuration = new Histogram({
  name: "opsmerge_ingest_duration_seconds",
  help: "Time from end of DATA to the committed ingestion of an inbound message.",
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [workRegistry],
});

export const outboundDeliveries = new Counter({
  name: "opsmerge_outbound_deliveries_total",
  help: "Outbound delivery attempts by the state they ended in (delivered, deferred, bounced).",
  labelNames: ["state"] as const,
  registers: [workRegistry],
});

/**
 * How long this process's event loop was held (issue 15 item 8: no single message may hold the SMTP event loop for
 * long), from Node's event-loop delay monitor: the longest delay and the 99th percentile since the last scrape, each
 * scrape starting a new window. In an MTA cluster, the worst worker's.
 */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

export const eventLoopDelay = new Gauge({
  name: "opsmerge_event_loop_delay_seconds",
  help: "The event loop's longest delay (stat=max) and 99th percentile (stat=p99) since the last scrape.",
  labelNames: ["stat"] as const,
  registers: [workRegistry],
  aggregator: "max",
  collect() {
    // Nothing measured yet (a scrape right after the last): 0, not the monitor's initial extreme values.
    const seen = loopDelay.count > 0;
    this.set({ stat: "max" }, seen ? loopDelay.max / 1e9 : 0);
    this.set({ stat: "p99" }, seen ? loopDelay.percentile(99) / 1e9 : 0);
    loopDelay.reset();
  },
});

let db: Db | undefined;

/** Gives the database gauges their client (once per process; later calls replace it). */
export function useMetricsDatabase(client: Db): void {
  db = client;
}

/** The outbound queue as read once per scrape: both queue gauges come from the one read. */
let queueRead: ReturnType<typeof outboundQueue> | undefined;
const queueNow = (client: Db) => (queueRead ??= outboundQueue(client, {}, new Date()));

new Gauge({
  name: "opsmerge_outbound_queue_depth",
  help: "Outbound delivery jobs waiting (queued, sending or deferred), all tenants.",
  registers: [stateRegistry],
  async collect() {
    if (db) this.set((await queueNow(db)).depth);
  },
});

new Gauge({
  name: "opsmerge_outbound_queue_oldest_seconds",
  help: "Age of the oldest waiting outbound delivery job, in seconds (0 when none waits).",
  registers: [stateRegistry],
  async collect() {
    if (db) this.set((await queueNow(db)).oldestAgeSeconds ?? 0);
  },
});

new Gauge({
  name: "opsmerge_forwarding_canary_ok",
  help: "1 when every watched support address of the tenant forwards (its last canary came back), 0 when one missed.",
  labelNames: ["tenant"] as const,
  registers: [stateRegistry],
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

/**
 * The exposition text and its content type. `cluster`: this process is an MTA cluster's primary, whose work counters
 * are the sum of its workers' (it accepts no mail itself).
 */
export async function renderMetrics(options: { cluster?: boolean } = {}): Promise<{ body: string; contentType: string }> {
  const work = options.cluster ? await clusterWork().clusterMetrics() : await workRegistry.metrics();
  queueRead = undefined;
  return { body: `${work.trimEnd()}\n\n${await stateRegistry.metrics()}`, contentType: stateRegistry.contentType };
}

/** In an MTA cluster worker: answer the primary's scrape requests (prom-client listens once one exists). */
export function answerClusterScrapes(): void {
  clusterWork();
}

let aggregator: AggregatorRegistry<PrometheusContentType> | undefined;
function clusterWork(): AggregatorRegistry<PrometheusContentType> {
  return (aggregator ??= new AggregatorRegistry());
}
