/**
 * The functions the Haraka plugins (mta/plugins/*.js) call. Plain values in, SmtpReply out: no Haraka types
 * cross this line, so everything here is testable without Haraka and the plugins stay a few lines of wiring.
 * Every function resolves (never rejects) with the reply to give; unexpected errors become 451 4.3.0 here,
 * because a Haraka plugin that throws does not fail the transaction (STACK.md) and mail would be lost.
 */
import { parseGatewayAddress } from "../mail/addresses";
import { resolveRecipient } from "../mail/recipients";
import { accepted, temporaryFailure, tooManyConnections, tooManyRecipients, unknownRecipient, type SmtpReply } from "./smtp-reply";
import { closeMta, ensureSchema, openMta } from "./runtime";

export { openMta, closeMta, markSchemaReady } from "./runtime";

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

/** At disconnect, for connections connectionOpened accepted. */
export function connectionClosed(ip: string): void {
  openMta().limiter.close(ip);
}

/**
 * At RCPT TO (R-IN-1): accept only addresses the gateway owns, at most SMTP_MAX_RECIPIENTS per message; an
 * unreachable database is 451 4.3.0, never a 550 (the address may well be ours).
 */
export async function checkRecipient(
  input: { address: string; acceptedSoFar: number },
  log?: Logger,
): Promise<SmtpReply> {
  try {
    const rt = openMta();
    if (input.acceptedSoFar >= rt.env.SMTP_MAX_RECIPIENTS) return tooManyRecipients(rt.env.SMTP_MAX_RECIPIENTS);
    const ctx = { secret: rt.env.APP_SECRET, inboundDomain: rt.env.INBOUND_DOMAIN };
    // Not one of our address shapes (another domain, a forged token): known without the database, so a relay
    // attempt is refused even while the database is down.
    if (!parseGatewayAddress(ctx.secret, input.address, ctx.inboundDomain)) return unknownRecipient();
    await ensureSchema(rt);
    const target = await resolveRecipient(rt.db, ctx, input.address);
    return target ? accepted("Recipient OK") : unknownRecipient();
  } catch (err) {
    return fail(log, "recipient check", err);
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
