/**
 * The Health page and the Tickets summary (R-HEALTH-3): one item per thing that can go wrong with the tenant's
 * mail, each saying in plain words what is wrong and linking to the screen that fixes it. Items marked `alert`
 * open an incident that is mailed to admins and shown in the banner (health-incidents.ts).
 */
import type { Db } from "../db/client";
import { forwardingStatus, roundTripWords, type AddressForwarding } from "./forwarding-status";
import { inboundHistory, QUIET_RULE, type InboundHistory } from "./quiet-mailbox";

export type HealthLevel = "ok" | "info" | "warn" | "problem";

export type HealthItem = {
  /** Stable per problem: the incident key. */
  key: string;
  title: string;
  level: HealthLevel;
  /** What is the case, in plain words. */
  summary: string;
  /** The screen that fixes it. */
  href: string;
  /** A problem worth an incident (admins mailed, banner shown) for as long as it stays true. */
  alert: boolean;
};

export type OutboundQueue = { depth: number; deferred: number; oldestAgeSeconds: number | null };

export type HealthSummary = {
  level: HealthLevel;
  items: HealthItem[];
  forwarding: AddressForwarding[];
  inbound: InboundHistory & { rule: string };
  queue: OutboundQueue;
  bounces24h: { bounced: number; delivered: number };
  checkedAt: Date;
};

const INBOUND = "/settings/email-gateway/inbound";
const QUEUE_STUCK_SECONDS = 3600;
const DAY_MS = 86_400_000;

export async function healthSummary(db: Db, tenantId: string, now: Date = new Date()): Promise<HealthSummary> {
  const [forwarding, inbound, queue, bounces24h, drift, dmarcFailures, tlsFailures] = await Promise.all([
    forwardingStatus(db, tenantId),
    inboundHistory(db, tenantId, now),
    outboundQueue(db, { tenantId }, now),
    bounceCounts(db, tenantId, now),
    db.sendingDomain.findMany({ where: { tenantId, verified: false, lastCheckedAt: { not: null } }, select: { domain: true } }),
    dmarcFailureCount(db, tenantId, now),
    db.tlsReport.aggregate({ where: { tenantId, createdAt: { gte: new Date(now.getTime() - 7 * DAY_MS) } }, _sum: { failureCount: true } }),
  ]);
  const items: HealthItem[] = [
    ...forwardingItems(forwarding),
    quietItem(inbound),
    queueItem(queue),
    bounceItem(bounces24h),
    {
      key: "dns-drift",
      title: "Sending domains",
      level: drift.length ? "warn" : "ok",
      summary: drift.length
        ? `The DNS records of ${drift.map((d) => d.domain).join(", ")} no longer match what they must be; replies fall back to the gateway address.`
        : "Every checked sending domain's records are as published.",
      href: "/settings/email-gateway/sending-domains",
      alert: false,
    },
    {
      key: "dmarc-failures",
      title: "DMARC reports",
      level: dmarcFailures ? "warn" : "ok",
      summary: dmarcFailures
        ? `${dmarcFailures} message${dmarcFailures === 1 ? "" : "s"} in your domains' name failed DMARC in the last 7 days' reports.`
        : "No DMARC failures in the last 7 days' reports.",
      href: "/settings/email-gateway/dmarc-reports",
      alert: false,
    },
    {
      key: "tls-failures",
      title: "TLS reports",
      level: tlsFailures._sum.failureCount ? "warn" : "ok",
      summary: tlsFailures._sum.failureCount
        ? `Senders reported ${tlsFailures._sum.failureCount} failed TLS session${tlsFailures._sum.failureCount === 1 ? "" : "s"} to your mailbox in 7 days.`
        : "No failed TLS sessions reported in 7 days.",
      href: "/settings/email-gateway/mta-sts",
      alert: false,
    },
  ];
  const level: HealthLevel = items.some((i) => i.level === "problem") ? "problem" : items.some((i) => i.level === "warn") ? "warn" : "ok";
  return { level, items, forwarding, inbound: { ...inbound, rule: QUIET_RULE }, queue, bounces24h, checkedAt: now };
}

/** " (the last one bounced: 550 5.1.1 …)" when the receiver said why. */
function bounced(f: AddressForwarding): string {
  return f.lastBounceReason ? ` (the last one ${f.lastBounceReason})` : "";
}

function forwardingItems(forwarding: AddressForwarding[]): HealthItem[] {
  if (!forwarding.length) {
    return [
      {
        key: "forwarding",
        title: "Forwarding",
        level: "info",
        summary: "Not watched: add your public support address on the Inbound page and the gateway checks the forward every few hours.",
        href: INBOUND,
        alert: false,
      },
    ];
  }
  return forwarding.map((f) => ({
    key: `forwarding:${f.address}`,
    title: `Forwarding from ${f.address}`,
    level: f.state === "broken" ? "problem" : f.state === "missed" ? "warn" : f.state === "waiting" ? "info" : "ok",
    summary:
      f.state === "broken"
        ? `Forwarding broken since ${f.brokenSince!.toISOString().slice(0, 16).replace("T", " ")} UTC: the last two checks sent to ${f.address} never came back${bounced(f)}. Client mail to it is probably not reaching the helpdesk.`
        : f.state === "missed"
          ? f.lastBounceReason
            ? `The last check sent to ${f.address} ${f.lastBounceReason}; another miss means forwarding is broken.`
            : `The last check sent to ${f.address} did not come back within 15 minutes; another miss means forwarding is broken.`
          : f.state === "waiting"
            ? `The first check to ${f.address} is on its way.`
            : `Checks to ${f.address} come back through the forward${f.lastLatencyMs !== null ? ` (last round trip ${roundTripWords(f.lastLatencyMs)})` : ""}.`,
    href: INBOUND,
    alert: f.state === "broken",
  }));
}

function quietItem(inbound: InboundHistory): HealthItem {
  const hours = (ms: number) => `${Math.round(ms / 3600_000)} hours`;
  return {
    key: "quiet-mailbox",
    title: "Inbound mail",
    level: inbound.quiet ? "warn" : "ok",
    summary: inbound.quiet
      ? `No client mail for ${hours(inbound.quiet.silentMs)}, far longer than your last 14 days predict (${hours(inbound.quiet.thresholdMs)}). Check that your forward still works.`
      : inbound.notJudged
        ? `Not judged yet: ${inbound.notJudged}.`
        : "Mail arrives as often as your last 14 days predict.",
    href: INBOUND,
    alert: inbound.quiet !== null,
  };
}

function queueItem(queue: OutboundQueue): HealthItem {
  const stuck = queue.oldestAgeSeconds !== null && queue.oldestAgeSeconds > QUEUE_STUCK_SECONDS;
  return {
    key: "outbound-queue",
    title: "Outbound queue",
    level: stuck ? "problem" : queue.deferred ? "warn" : "ok",
    summary: stuck
      ? `${queue.depth} message${queue.depth === 1 ? "" : "s"} waiting, the oldest for ${Math.round(queue.oldestAgeSeconds! / 60)} minutes: recipients' servers are refusing or unreachable.`
      : queue.deferred
        ? `${queue.deferred} message${queue.deferred === 1 ? "" : "s"} deferred, to be retried.`
        : `${queue.depth ? `${queue.depth} on the way` : "Empty"}: replies leave promptly.`,
    href: "/settings/email-gateway/activity",
    alert: stuck,
  };
}

function bounceItem(b: { bounced: number; delivered: number }): HealthItem {
  const total = b.bounced + b.delivered;
  const rate = total ? b.bounced / total : 0;
  return {
    key: "bounce-rate",
    title: "Bounce rate (24 h)",
    level: total >= 10 && rate > 0.1 ? "warn" : "ok",
    summary: total
      ? `${(rate * 100).toFixed(1)} % of ${total} deliveries bounced in the last 24 hours.`
      : "Nothing sent in the last 24 hours.",
    href: "/settings/email-gateway/activity",
    alert: false,
  };
}

/** Depth, deferred count and oldest waiting job; of one tenant, or of all (metrics) when tenantId is omitted. */
export async function outboundQueue(db: Db, where: { tenantId?: string }, now: Date): Promise<OutboundQueue> {
  const waiting = { ...where, state: { in: ["QUEUED", "SENDING", "DEFERRED"] } };
  const [depth, deferred, oldest] = await Promise.all([
    db.outboundJob.count({ where: waiting }),
    db.outboundJob.count({ where: { ...where, state: "DEFERRED" } }),
    db.outboundJob.findFirst({ where: waiting, orderBy: { createdAt: "asc" }, select: { createdAt: true } }),
  ]);
  return { depth, deferred, oldestAgeSeconds: oldest ? Math.max(0, (now.getTime() - oldest.createdAt.getTime()) / 1000) : null };
}

async function bounceCounts(db: Db, tenantId: string, now: Date): Promise<{ bounced: number; delivered: number }> {
  const since = new Date(now.getTime() - DAY_MS);
  const [bounced, delivered] = await Promise.all([
    db.outboundJob.count({ where: { tenantId, state: "BOUNCED", updatedAt: { gte: since } } }),
    db.outboundJob.count({ where: { tenantId, state: "DELIVERED", updatedAt: { gte: since } } }),
  ]);
  return { bounced, delivered };
}

async function dmarcFailureCount(db: Db, tenantId: string, now: Date): Promise<number> {
  const r = await db.dmarcRecord.aggregate({
    where: { dkimAligned: false, spfAligned: false, report: { tenantId, createdAt: { gte: new Date(now.getTime() - 7 * DAY_MS) } } },
    _sum: { count: true },
  });
  return r._sum.count ?? 0;
}
