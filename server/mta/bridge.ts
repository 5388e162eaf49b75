/**
 * The functions the Haraka plugins (mta/plugins/*.js) call. Plain values in, SmtpReply out: no Haraka types
 * cross this line, so everything here is testable without Haraka and the plugins stay a few lines of wiring.
 * Every function resolves (never rejects) with the reply to give; unexpected errors become 451 4.3.0 here,
 * because a Haraka plugin that throws does not fail the transaction (STACK.md) and mail would be lost.
 */
import path from "node:path";
import { isOperatorPostmaster, parseGatewayAddress } from "../mail/addresses";
import { resolveRecipient } from "../inbound/recipients";
import {
  accepted,
  temporaryFailure,
  tooManyConnections,
  tooManyLargeMessages,
  tooManyRecipients,
  tooManyUnknownRecipients,
  unknownRecipient,
  unknownRecipientsFromIp,
  scannerUnavailable,
  type SmtpReply,
} from "./smtp-reply";
import { recipientDomain, underInboundDomain, UnknownRecipientLimiter } from "./recipient-limits";
import { ingestInbound } from "../inbound/ingest-inbound";
import { inboundMessages, ingestDuration } from "../metrics/metrics";
import { closeMta, ensureSchema, openMta, track } from "./runtime";
import { isScannerUnavailable } from "../spam/scanner-error";
import { collectingRelease, YoungGenerationSweeper } from "./reclaim-memory";

export { openMta, closeMta, markSchemaReady } from "./runtime";
export { MessageBytes } from "./message-bytes";
export { applyReceiveBackpressure } from "./receive-backpressure";
export { sliceReceivedData } from "./received-data-slices";

/** Refused recipients per connection and per IP (recipient enumeration), for this process. */
const unknownRecipients = new UnknownRecipientLimiter();

type Logger = (message: string, err?: unknown) => void;

/** Errors are logged by the caller's logger (Haraka's, with the connection id) and turned into a 451. */
function fail(log: Logger | undefined, what: string, err: unknown): SmtpReply {
  log?.(`${what} failed: ${err instanceof Error ? err.message : String(err)}`, err);
  return temporaryFailure();
}

/** At connect: the per-IP concurrent connection limit (R-IN-11). */
export function connectionOpened(ip: string): SmtpReply {
  const rt = openMta();
  if (!rt.limiter.tryOpen(ip)) return tooManyConnections(rt.env.SMTP_MAX_CONNECTIONS_PER_IP);
  return accepted();
}

/** Large messages' slots wait for a full collection of their memory (server/mta/reclaim-memory.ts). */
const afterCollection = collectingRelease();
/** While a large message holds a slot, its short-lived copies are swept often (server/mta/reclaim-memory.ts). */
const sweeper = new YoungGenerationSweeper();

/**
 * A large message's slot (issue 19 item 13, server/mta/large-message-slots.ts): at MAIL FROM with the declared
 * SIZE (`atEndOfData` false, 452 when none is free) or at the end of DATA with the received size when nothing was
 * declared (451). `held`: a slot was taken, to be given back with largeMessageDone when the transaction ends.
 */
export function largeMessageStarting(bytes: number, atEndOfData: boolean): { reply: SmtpReply; held: boolean } {
  const slots = openMta().largeMessages;
  if (!slots.isLarge(bytes)) return { reply: accepted(), held: false };
  if (!slots.tryTake()) return { reply: tooManyLargeMessages(atEndOfData ? 451 : 452), held: false };
  sweeper.hold();
  return { reply: accepted(), held: true };
}

/**
 * When a transaction that held a large message's slot ends (answered, reset or disconnected). The slot is free
 * again a moment later, once the message's memory has been collected, so that the next large message is not
 * received while the last one's bytes are still allocated.
 */
export function largeMessageDone(): void {
  const slots = openMta().largeMessages;
  afterCollection(() => {
    sweeper.release();
    slots.release();
  });
}

/** At disconnect, for connections connectionOpened accepted. */
export function connectionClosed(ip: string): void {
  openMta().limiter.close(ip);
}

/**
 * At RCPT TO (R-IN-1): accept only addresses the gateway owns, at most SMTP_MAX_RECIPIENTS per message; an
 * unreachable database is 451 4.3.0, never a 550 (the address may well be ours). Refused recipients count
 * against the connection's and the IP's enumeration budget (recipient-limits.ts): a spent connection gets 421
 * (the plugin then closes it); an IP that spent its budget for one recipient domain gets 450 for unknown
 * recipients there until its window ends, while recipients that exist are still accepted.
 */
export async function checkRecipient(
  input: { address: string; acceptedSoFar: number; remoteIp?: string; unknownSoFar?: number },
  log?: Logger,
): Promise<SmtpReply> {
  try {
    const rt = openMta();
    const ip = input.remoteIp ?? "";
    const domain = recipientDomain(input.address);
    if (unknownRecipients.connectionSpent(input.unknownSoFar ?? 0)) return tooManyUnknownRecipients();
    if (input.acceptedSoFar >= rt.env.SMTP_MAX_RECIPIENTS) return tooManyRecipients(rt.env.SMTP_MAX_RECIPIENTS);
    const refuse = () => {
      // A spent budget (this IP, this recipient domain) answers unknown recipients 450, never known ones.
      if (unknownRecipients.ipBlocked(ip, domain)) return unknownRecipientsFromIp();
      if (underInboundDomain(input.address, rt.env.INBOUND_DOMAIN)) unknownRecipients.record(ip, domain);
      return unknownRecipient();
    };
    const ctx = { secret: rt.env.APP_SECRET, inboundDomain: rt.env.INBOUND_DOMAIN };
    // RFC 5321 §4.5.1: the gateway's own postmaster is always accepted (the operator's Maildir, no database).
    if (isOperatorPostmaster(input.address, ctx.inboundDomain)) return accepted("Recipient OK");
    // Not one of our address shapes (another domain, a forged token): known without the database, so a relay
    // attempt is refused even while the database is down.
    if (!parseGatewayAddress(ctx.secret, input.address, ctx.inboundDomain)) return refuse();
    await ensureSchema(rt);
    const target = await resolveRecipient(rt.db, ctx, input.address);
    return target ? accepted("Recipient OK") : refuse();
  } catch (err) {
    return fail(log, "recipient check", err);
  }
}

export type ReceivedMessage = {
  raw: Buffer;
  remoteIp: string;
  helo: string | null;
  /** MAIL FROM without angle brackets; "" for the null sender. */
  mailFrom: string;
  recipients: string[];
  /** End of DATA, epoch ms (a number: plugins' Date objects come from another vm context). */
  receivedAtMs: number;
};

/**
 * At end of DATA (the data_post hook, R-IN-10; the queue hook only passes the result on): ingest the message and
 * answer 250 only once its transaction has committed. Blocked, dropped and duplicate messages are committed (as activity rows) and answered 250 too:
 * R-IN-4 says accept and drop silently, never bounce. Database, DNS or any other fault: 451 4.3.0.
 */
export async function deliverMessage(message: ReceivedMessage, log?: Logger): Promise<SmtpReply> {
  try {
    const rt = openMta();
    await ensureSchema(rt);
    const result = await track(
      ingestInbound(
        rt.db,
        {
          secret: rt.env.APP_SECRET,
          inboundDomain: rt.env.INBOUND_DOMAIN,
          resolver: rt.authResolver,
          trustedArcSealers: rt.env.TRUSTED_ARC_SEALERS,
          postmasterDir: path.join(rt.env.DATA_DIR, "postmaster"),
          gatewayDkim: rt.gatewayDkim,
          scanner: { rspamdUrl: rt.env.RSPAMD_URL, clamd: rt.env.CLAMD, failOpen: rt.env.SPAM_FAIL_OPEN },
        },
        {
          raw: message.raw,
          remoteIp: message.remoteIp,
          helo: message.helo,
          mailFrom: message.mailFrom,
          recipients: [...message.recipients],
          receivedAt: new Date(message.receivedAtMs),
        },
      ),
    );
    ingestDuration.observe(Math.max(0, Date.now() - message.receivedAtMs) / 1000);
    for (const o of result.outcomes) inboundMessages.inc({ outcome: o.outcome.toLowerCase() });
    const summary =
      [...result.outcomes.map((o) => `${o.outcome.toLowerCase()}`), ...(result.postmaster ? ["for the postmaster"] : [])].join(", ") ||
      "no recipient left";
    return accepted(`Message accepted (${summary})`);
  } catch (err) {
    inboundMessages.inc({ outcome: "failed" });
    // R-SPAM-3: a scanner outage is 451 4.7.1, not "local problem".
    if (isScannerUnavailable(err)) {
      log?.(`message delivery deferred: ${err.message}`);
      return scannerUnavailable();
    }
    return fail(log, "message delivery", err);
  }
}

/** Called by the lifecycle plugin on shutdown; resolves when in-flight messages are committed and the DB closed. */
export async function shutdown(log?: Logger): Promise<void> {
  try {
    await closeMta();
  } catch (err) {
    log?.(`closing the database failed: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}
