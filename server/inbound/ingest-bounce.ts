/**
 * R-IN-8 second half: a delivery status notification sent to a VERP bounce address updates the outbound
 * message it belongs to (applyDsn); anything else sent there is logged and dropped.
 */
import { recordActivity, type ActivityOutcome, type ActivityRow } from "../activity/record-activity";
import type { Db } from "../db/client";
import { TRANSACTION_OPTIONS } from "../db/transactions";
import { isAppError } from "../errors";
import { recordCanaryBounce } from "../gateway-health/canary-bounce";
import { parseDsn } from "../mail/dsn";
import { applyDsn } from "../outbound/apply-dsn";
import { elapsedMs, inboundActivity, type InboundOutcome, type ReceivedMessage } from "./received-message";
import type { RecipientTarget } from "./recipients";

export async function ingestBounce(db: Db, m: ReceivedMessage, targets: RecipientTarget[]): Promise<InboundOutcome> {
  const target = targets[0]!;
  const tenantId = target.tenantId;
  const recipients = targets.map((t) => t.address);
  const base = inboundActivity(m, tenantId, targets);
  const report = await parseDsn(m.input.raw);
  // The recipient that failed for good decides; otherwise the first one (a delay notice, say).
  const dsn = report?.recipients.find((r) => r.action === "failed") ?? report?.recipients[0] ?? null;
  const log = async (outcome: ActivityOutcome, reason: string, extra: Partial<ActivityRow> = {}) => {
    await db.$transaction(async (tx) => {
      await recordActivity(tx, { ...base, outcome, reason, processingMs: elapsedMs(m), ...extra });
    }, TRANSACTION_OPTIONS);
    return { tenantId, recipients, outcome, reason };
  };
  if (!dsn || !target.messageId || (dsn.action !== "failed" && dsn.action !== "delayed")) {
    // Out-of-office replies and "delivered"/"relayed" notices to a bounce address change nothing.
    return log("DROPPED", dsn ? `delivery notification (${dsn.action}) needs no action` : "not a delivery status notification (sent to a bounce address)");
  }
  try {
    const applied = await applyDsn(db, {
      tenantId,
      messageId: target.messageId,
      dsn: {
        status: dsn.status,
        diagnosticCode: dsn.diagnosticCode,
        finalRecipient: dsn.finalRecipient,
        spamScore: dsn.spamScore ?? null,
        permanent: dsn.permanent,
      },
      ...(m.deps.now ? { now: m.deps.now() } : {}),
    });
    if (!applied.applied) {
      return await log("DROPPED", "delivery status notification names no recipient of the message it was sent about; nothing changed", {
        messageId: target.messageId,
      });
    }
    return await log("DELIVERED", `delivery status notification: ${applied.deliveryState}`, {
      messageId: target.messageId,
      bounceDetail: applied.reason,
    });
  } catch (err) {
    if (isAppError(err) && err.code === "NOT_FOUND") {
      // A forwarding canary has no Message row: its bounce address names the canary (R-HEALTH-1).
      const at = m.deps.now?.() ?? new Date();
      const canary = { tenantId, canaryId: target.messageId, status: dsn.status, diagnosticCode: dsn.diagnosticCode, at };
      if (dsn.action === "failed" && (await recordCanaryBounce(db, canary))) {
        return log("DROPPED", "forwarding canary bounced: counted as missed (see Health)", { bounceDetail: dsn.diagnosticCode ?? dsn.status });
      }
      return log("DROPPED", "delivery status notification for an unknown message");
    }
    throw err;
  }
}
