/**
 * One inbound message, as the MTA received it, into the database (R-IN-2…10, R-ACT-1): the dispatcher. The MTA
 * answers 250 only after this resolves, and 451 when it rejects: every write for a recipient group — message,
 * raw source, attachments, ticket change, auto-acknowledgement and activity row — is one transaction, so an
 * accepted message is committed whole and a failed one leaves nothing behind for the retry to trip over.
 *
 * A forwarding canary (R-HEALTH-1) is recognised first, right after parsing: ingest-canary.ts; it is never a
 * ticket, so nothing else applies to it.
 *
 * Per message: parse once, authenticate once (mailauth, through `deps.resolver`). Then per tenant and purpose
 * of the envelope recipients, one step each:
 *   - ticket mail (tenant mailbox, reply address): screen-ticket-mail.ts (spam and malware, R-SPAM), then
 *     ingest-ticket-mail.ts;
 *   - DMARC / TLS reports: ingest-report.ts;
 *   - DSNs to a VERP bounce address: ingest-bounce.ts.
 * Ingestion for one tenant is serialised by the tenant lock (server/tenants/lock-tenant.ts).
 */
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { authenticateMessage } from "../mail/authenticate";
import { isOperatorPostmaster } from "../mail/addresses";
import { parseMessage } from "../mail/parse-message";
import { deliverToOperatorPostmaster } from "./deliver-to-postmaster";
import { ingestBounce } from "./ingest-bounce";
import { ingestCanary } from "./ingest-canary";
import { ingestReport } from "./ingest-report";
import {
  ingestInboundInput,
  type IngestDeps,
  type IngestInboundInput,
  type InboundOutcome,
  type ReceivedMessage,
} from "./received-message";
import { resolveRecipient, type RecipientTarget } from "./recipients";
import { screenTicketMail } from "./screen-ticket-mail";

export { AUTO_ACK_REASON } from "./acknowledge";
export { ingestInboundInput, type IngestDeps, type IngestInboundInput, type InboundOutcome } from "./received-message";

/** `postmaster`: the file name under the operator's Maildir when the message was (also) for postmaster@INBOUND_DOMAIN. */
export type IngestResult = { outcomes: InboundOutcome[]; postmaster?: string };

type Purpose = "ticket" | "report" | "bounce";

function purposeOf(t: RecipientTarget): Purpose {
  return t.kind === "mailbox" || t.kind === "reply" ? "ticket" : t.kind === "bounce" ? "bounce" : "report";
}

/**
 * Recipient groups: everything for one tenant and purpose is one group, except that each bounce address is its
 * own (it names one outbound message).
 */
function groupTargets(targets: RecipientTarget[]): { purpose: Purpose; targets: RecipientTarget[] }[] {
  const groups = new Map<string, { purpose: Purpose; targets: RecipientTarget[] }>();
  for (const t of targets) {
    const purpose = purposeOf(t);
    const key = `${t.tenantId}\0${purpose}\0${purpose === "bounce" ? t.messageId : ""}`;
    const group = groups.get(key) ?? { purpose, targets: [] };
    group.targets.push(t);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * Ingests one received message. Resolves with what happened per recipient group; rejects only when the
 * database (or DNS, via authentication) failed, in which case nothing was committed for the failing group and
 * the MTA answers 451 so the sender retries (groups already committed are then recognised as duplicates).
 */
export async function ingestInbound(db: Db, deps: IngestDeps, rawInput: IngestInboundInput): Promise<IngestResult> {
  const input = ingestInboundInput.parse(rawInput);
  const ctx = { secret: deps.secret, inboundDomain: deps.inboundDomain };

  const targets: RecipientTarget[] = [];
  for (const address of new Set(input.recipients.map((r) => r.trim().toLowerCase()))) {
    const target = await resolveRecipient(db, ctx, address);
    if (target) targets.push(target);
  }
  // RFC 5321 postmaster of the gateway itself: the operator's Maildir (deliver-to-postmaster.ts).
  const postmaster =
    deps.postmasterDir && input.recipients.some((r) => isOperatorPostmaster(r, deps.inboundDomain))
      ? await deliverToOperatorPostmaster(deps.postmasterDir, input.raw, input.receivedAt)
      : undefined;
  // Every recipient's tenant was deleted between RCPT and end of DATA: there is no one to deliver to.
  if (!targets.length) return { outcomes: [], ...(postmaster ? { postmaster } : {}) };

  const parsed = await parseMessage(input.raw);
  const canary = await ingestCanary(db, { input, parsed, deps }, targets);
  if (canary) return { outcomes: canary };
  const auth = await authenticateMessage({
    raw: input.raw,
    ip: input.remoteIp,
    helo: input.helo ?? "",
    mailFrom: input.mailFrom,
    resolver: deps.resolver,
    trustedArcSealers: deps.trustedArcSealers,
  });
  // A DNS failure behind a verdict that could have dropped the message: neither drop nor deliver on a guess.
  // 451 makes the sender retry in minutes, which is what a receiving MTA does on a DNS temperror.
  if (auth.transient) {
    throw new AppError("UNAVAILABLE", `authentication DNS look-ups failed temporarily (${auth.details.error ?? "temperror"})`);
  }

  const message: ReceivedMessage = { input, parsed, auth, deps };
  const outcomes: InboundOutcome[] = [];
  for (const group of groupTargets(targets)) {
    if (group.purpose === "ticket") {
      const outcome = await screenTicketMail(db, message, group.targets);
      if (outcome) outcomes.push(outcome);
    } else if (group.purpose === "report") outcomes.push(await ingestReport(db, message, group.targets));
    else outcomes.push(await ingestBounce(db, message, group.targets));
  }
  return { outcomes, ...(postmaster ? { postmaster } : {}) };
}
