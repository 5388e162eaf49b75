/**
 * The forwarding canary coming back (R-HEALTH-1), recognised before any other inbound rule: a message carrying a
 * canary token (the X-OpsMerge-Canary header, or a `canary-…` Message-Id) is never a ticket and never
 * acknowledged. A token signed for the recipient's tenant, naming a canary that has not arrived yet, records the
 * arrival time and round-trip latency; anything else (forged, another tenant's, replayed) is refused: dropped with
 * its reason in the activity log and not counted.
 */
import { recordActivity } from "../activity/record-activity";
import type { Db } from "../db/client";
import { verifyCanaryToken } from "../mail/addresses";
import type { ParsedMessage } from "../mail/parse-message";
import { CANARY_HEADER, CANARY_MESSAGE_ID_PREFIX } from "../gateway-health/canary-mail";
import type { IngestDeps, IngestInboundInput, InboundOutcome } from "./received-message";
import type { RecipientTarget } from "./recipients";

/** The token a message presents as a canary; null when it does not claim to be one. */
export function presentedCanaryToken(parsed: ParsedMessage): string | null {
  const header = parsed.headers.find(([name]) => name.toLowerCase() === CANARY_HEADER.toLowerCase());
  if (header) return header[1].trim();
  const id = parsed.messageId.toLowerCase();
  if (id.startsWith(CANARY_MESSAGE_ID_PREFIX)) return id.slice(CANARY_MESSAGE_ID_PREFIX.length).split("@")[0] ?? "";
  return null;
}

/**
 * Outcomes for every recipient group when the message claims to be a canary; null when it does not (the
 * dispatcher then goes on with its other rules).
 */
export async function ingestCanary(
  db: Db,
  m: { input: IngestInboundInput; parsed: ParsedMessage; deps: IngestDeps },
  targets: RecipientTarget[],
): Promise<InboundOutcome[] | null> {
  const token = presentedCanaryToken(m.parsed);
  if (token === null) return null;
  const byTenant = new Map<string, RecipientTarget[]>();
  for (const t of targets) byTenant.set(t.tenantId, [...(byTenant.get(t.tenantId) ?? []), t]);
  const outcomes: InboundOutcome[] = [];
  for (const [tenantId, group] of byTenant) {
    const reason = await settleArrival(db, m.deps.secret, m.input.receivedAt, { tenantId, slug: group[0]!.slug, token });
    await recordActivity(db, {
      tenantId,
      direction: "INBOUND",
      outcome: "DROPPED",
      reason,
      envelopeFrom: m.input.mailFrom || "<>",
      envelopeTo: group.map((t) => t.address).join(", "),
      fromAddress: m.parsed.from?.address ?? null,
      subject: m.parsed.subject,
      messageIdHeader: m.parsed.messageId,
      remoteIp: m.input.remoteIp,
      createdAt: m.deps.now?.() ?? new Date(),
    });
    outcomes.push({ tenantId, recipients: group.map((t) => t.address), outcome: "DROPPED", reason });
  }
  return outcomes;
}

/** Records the arrival when the token is good and first seen; the activity reason either way. */
async function settleArrival(
  db: Db,
  secret: string,
  arrivedAt: Date,
  { tenantId, slug, token }: { tenantId: string; slug: string; token: string },
): Promise<string> {
  const canaryId = verifyCanaryToken(secret, slug, token);
  if (!canaryId) return "refused forwarding canary: the token is not one this gateway signed for this tenant";
  const canary = await db.forwardingCanary.findFirst({ where: { id: canaryId, tenantId }, select: { sentAt: true, missedAt: true } });
  if (!canary) return "refused forwarding canary: no such canary was sent";
  const latencyMs = Math.max(0, arrivedAt.getTime() - canary.sentAt.getTime());
  const { count } = await db.forwardingCanary.updateMany({ where: { id: canaryId, arrivedAt: null }, data: { arrivedAt, latencyMs } });
  if (!count) return "refused forwarding canary: it already arrived once (a replay)";
  const roundTrip = `round trip ${(latencyMs / 1000).toFixed(1)} s`;
  return canary.missedAt ? `forwarding canary arrived late (${roundTrip}; already counted as missed)` : `forwarding canary (${roundTrip})`;
}
