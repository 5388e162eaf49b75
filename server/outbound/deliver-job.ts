/**
 * One delivery attempt of a claimed outbound job (R-OUT-3, R-OUT-4): find where the recipients' domain takes mail
 * (OUTBOUND_RELAY, or MX through the configurable resolver), speak SMTP to it with nodemailer's SMTPConnection
 * (STARTTLS whenever the server offers it), and record every recipient's outcome: 2xx delivered, 4xx or no
 * answer deferred, 5xx bounced with the remote text.
 *
 * A crash may cause a rare duplicate, never a loss (RFC 1047). A job counts as delivered only once the remote server
 * answered 250 to the end-of-data dot and that reply is recorded. Just before the dot goes out, the job records
 * (under the worker's claim) that the message is in flight to these recipients: if that write fails or the claim is
 * lost, the dot is never sent, so a job taken over by another worker is never delivered by both. A worker that dies
 * after the dot and before recording the reply leaves the job SENDING with that mark; once its lease runs out the
 * job is claimed again and sent again, noted as a possible duplicate in the activity log (the receiver may have
 * kept the first copy; a Message-Id-deduplicating receiver drops it). A dropped connection after the dot (no reply)
 * is deferred and resent, as every MTA does — the remote side said nothing, so it cannot have promised delivery.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { Readable } from "node:stream";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import type { Db } from "../db/client";
import { isNoData, type Resolver } from "../dns/resolver";
import { isAppError } from "../errors";
import { markDataSending, recordDeliveryAttempt, releaseClaim, renewLease, type ClaimedJob, type RecipientOutcome, type RecordedDelivery } from "./delivery-queue";
import { domainOf } from "../mail/addresses";

export type HostPort = { host: string; port: number };

export type DeliveryOptions = {
  resolver: Resolver;
  /** Deliver everything to this host instead of the recipients' MX. */
  relay: HostPort | null;
  /** The port MX hosts are reached on (25). */
  smtpPort: number;
  /** Our name in EHLO. */
  heloName: string;
  retryScheduleMs?: number[];
  timeouts?: { connectMs?: number; greetingMs?: number; socketMs?: number };
  /** At most this many MX addresses are tried in one attempt. */
  maxHosts?: number;
};

/** One address to connect to: `name` for TLS SNI and the activity log, `address` the IP. */
export type Route = { name: string; address: string; port: number };

export type RouteLookup = { ok: true; routes: Route[] } | { ok: false; permanent: boolean; reply: string };

/** Recording the outcome is retried this often (1 s, 2 s apart) before the job is left to its lease. */
const RECORD_TRIES = 3;
const DEFAULT_TIMEOUTS = { connectMs: 30_000, greetingMs: 60_000, socketMs: 5 * 60_000 };

async function addressesOf(resolver: Resolver, name: string): Promise<string[]> {
  if (isIP(name)) return [name];
  const out: string[] = [];
  for (const type of ["A", "AAAA"] as const) {
    try {
      out.push(...((await resolver(name, type)) as string[]));
    } catch (err) {
      if (!isNoData(err)) throw err;
    }
  }
  return out;
}

/**
 * Where mail for `domain` goes (RFC 5321 §5.1): its MX hosts by preference, each host's addresses; no MX → the
 * domain's own address; a null MX (RFC 7505) or a domain that does not exist → permanent failure; a resolver
 * failure → temporary. With a relay, the relay (its name resolved by the system, as the operator configured it).
 */
export async function resolveRoutes(
  resolver: Resolver,
  domain: string,
  options: { relay: HostPort | null; smtpPort: number; maxHosts?: number },
): Promise<RouteLookup> {
  if (options.relay) {
    const { host, port } = options.relay;
    try {
      const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
      return { ok: true, routes: addresses.map((address) => ({ name: host, address, port })) };
    } catch (err) {
      return { ok: false, permanent: false, reply: `Relay ${host} could not be resolved: ${(err as Error).message}` };
    }
  }
  let exchanges: string[];
  try {
    const mx = (await resolver(domain, "MX")).filter((r) => typeof r.exchange === "string");
    if (mx.length === 1 && (mx[0]!.exchange === "" || mx[0]!.exchange === ".")) {
      return { ok: false, permanent: true, reply: `556 5.1.10 ${domain} does not accept mail (null MX)` };
    }
    exchanges = mx.sort((a, b) => a.priority - b.priority).map((r) => r.exchange.replace(/\.$/, ""));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOTFOUND") return { ok: false, permanent: true, reply: `550 5.1.2 Domain ${domain} does not exist (DNS NXDOMAIN)` };
    if (code === "ENODATA") exchanges = [domain];
    else return { ok: false, permanent: false, reply: `451 4.4.3 MX look-up for ${domain} failed (${code ?? (err as Error).message})` };
  }
  const routes: Route[] = [];
  let lookupError: string | null = null;
  for (const name of exchanges) {
    try {
      for (const address of await addressesOf(resolver, name)) routes.push({ name, address, port: options.smtpPort });
    } catch (err) {
      lookupError = `451 4.4.3 Address look-up for ${name} failed (${(err as { code?: string }).code ?? (err as Error).message})`;
    }
    if (routes.length >= (options.maxHosts ?? 5)) break;
  }
  if (routes.length) return { ok: true, routes: routes.slice(0, options.maxHosts ?? 5) };
  return { ok: false, permanent: false, reply: lookupError ?? `451 4.4.4 No address found for the mail hosts of ${domain}` };
}

/** What one SMTP conversation came to. `tryNext`: the host did not take part (no connection, 4xx/5xx greeting). */
export type SmtpAttempt = { outcomes: RecipientOutcome[]; tls: boolean; tryNext: boolean };

type SmtpError = Error & {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  recipient?: string;
  rejectedErrors?: SmtpError[];
};

/** The recipients the server accepted in the transaction under way (SMTPConnection keeps them on its envelope). */
function acceptedOf(conn: SMTPConnection): string[] | null {
  const env = (conn as unknown as { _envelope?: { accepted?: unknown } })._envelope;
  return Array.isArray(env?.accepted) ? (env.accepted as string[]) : null;
}

function replyText(err: SmtpError): string {
  if (err.response) return err.response.replace(/\s+/g, " ").trim();
  return `${err.code ?? "ERROR"}: ${err.message}`;
}

function kindOf(code: number | undefined): RecipientOutcome["kind"] {
  return code !== undefined && code >= 500 ? "bounced" : "deferred";
}

/**
 * One SMTP transaction to one address. `beforeDataEnd` runs after the whole message has been handed over and before
 * the end-of-data dot is written; if it throws, the connection is dropped without the dot (the server discards the
 * partial message) and every recipient is deferred.
 */
export async function sendOverSmtp(
  route: Route,
  envelope: { from: string; to: string[] },
  raw: Buffer,
  options: { heloName: string; timeouts?: DeliveryOptions["timeouts"]; beforeDataEnd?: (accepted: string[]) => Promise<void>; signal?: AbortSignal },
): Promise<SmtpAttempt> {
  const t = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const conn = new SMTPConnection({
    host: route.address,
    port: route.port,
    name: options.heloName,
    // Opportunistic TLS (RFC 7435): STARTTLS whenever offered, without requiring a certificate the public MX
    // ecosystem does not reliably have; a failed upgrade falls back to plain text rather than never delivering.
    opportunisticTLS: true,
    tls: { rejectUnauthorized: false, ...(isIP(route.name) ? {} : { servername: route.name }) },
    connectionTimeout: t.connectMs,
    greetingTimeout: t.greetingMs,
    socketTimeout: t.socketMs,
    logger: false,
  });
  const all = (kind: RecipientOutcome["kind"], reply: string) => envelope.to.map((recipient) => ({ recipient, kind, reply }));
  let failed: ((err: SmtpError) => void) | null = null;
  conn.on("error", (err: SmtpError) => failed?.(err));
  // A connection closed under a pending command (ours on abort, or the server's) settles it too.
  conn.on("end", () => failed?.(Object.assign(new Error("Connection closed"), { code: "ECONNECTION" })));
  const abort = () => conn.close();
  options.signal?.addEventListener("abort", abort, { once: true });
  try {
    try {
      await new Promise<void>((resolve, reject) => {
        failed = reject;
        conn.connect((err) => (err ? reject(err) : resolve()));
      });
    } catch (err) {
      const e = err as SmtpError;
      // No conversation: another host (a lower-preference MX) may well take the mail.
      return { outcomes: all("deferred", `${route.name}:${route.port}: ${replyText(e)}`), tls: false, tryNext: true };
    }
    const tls = conn.secure;
    const mark: { failure: Error | null } = { failure: null };
    // The generator ends (and SMTPConnection writes the dot) only after `beforeDataEnd` resolved; by then the envelope
    // is settled, so the recipients the server accepted are known.
    const gated = Readable.from(
      (async function* () {
        yield raw;
        try {
          await options.beforeDataEnd?.(acceptedOf(conn) ?? envelope.to);
        } catch (err) {
          mark.failure = err as Error;
          throw err;
        }
      })(),
    );
    try {
      const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) => {
        failed = reject;
        conn.send({ from: envelope.from, to: envelope.to, size: raw.length }, gated, (err, result) => (err ? reject(err) : resolve(result)));
      });
      const reply = info.response.replace(/\s+/g, " ").trim();
      const rejected = new Map((info.rejectedErrors ?? []).map((e) => [(e as SmtpError).recipient?.toLowerCase() ?? "", e as SmtpError]));
      return {
        tls,
        tryNext: false,
        outcomes: envelope.to.map((recipient) => {
          const r = rejected.get(recipient.toLowerCase());
          return r ? { recipient, kind: kindOf(r.responseCode), reply: replyText(r) } : { recipient, kind: "delivered" as const, reply };
        }),
      };
    } catch (err) {
      const e = err as SmtpError;
      if (mark.failure) {
        conn.close();
        return { outcomes: all("deferred", `Not sent: ${mark.failure.message}`), tls, tryNext: false };
      }
      if (e.rejectedErrors?.length) {
        // Every recipient refused at RCPT: each keeps its own reply.
        const byRcpt = new Map(e.rejectedErrors.map((x) => [x.recipient?.toLowerCase() ?? "", x]));
        return {
          tls,
          tryNext: false,
          outcomes: envelope.to.map((recipient) => {
            const r = byRcpt.get(recipient.toLowerCase()) ?? e;
            return { recipient, kind: kindOf(r.responseCode), reply: replyText(r) };
          }),
        };
      }
      // MAIL FROM, DATA or end-of-data refused (the reply's class decides), or the connection failed (deferred).
      return { outcomes: all(kindOf(e.responseCode), replyText(e)), tls, tryNext: false };
    }
  } finally {
    options.signal?.removeEventListener("abort", abort);
    failed = null;
    try {
      conn.quit();
    } catch {
      conn.close();
    }
  }
}

export type DeliverJobContext = {
  workerId: string;
  /** The claim's lease; it is renewed every third of it while the attempt runs. */
  leaseMs: number;
  options: DeliveryOptions;
  /** Aborting drops the connection (the worker is stopping); the attempt is then deferred. */
  signal?: AbortSignal;
};

export type DeliveredJob = RecordedDelivery & { outcomes: RecipientOutcome[]; via: string | null };

function describeRoute(route: Route, tls: boolean): string {
  const where = route.address === route.name ? `${route.name}:${route.port}` : `${route.name}:${route.port} [${route.address}]`;
  return `${where} ${tls ? "with STARTTLS" : "without TLS"}`;
}

/**
 * Delivers a claimed job and records the outcome (see the file header for what happens after a crash); null when
 * the worker stopped before the end of DATA and the job was given back untouched. A job's
 * recipients share one domain (queueReply queues one job per recipient domain); recipients of another domain in an
 * older job are deferred to the next round, which starts at once. CONFLICT (from recording) when the claim was lost.
 */
export async function deliverJob(db: Db, job: ClaimedJob, ctx: DeliverJobContext): Promise<DeliveredJob | null> {
  const { options, workerId } = ctx;
  // The previous worker died after its dot went out and before recording the reply: send again (at worst a
  // duplicate, never a loss) and say so in the activity log.
  const resend = job.interrupted ? `sent again after the worker stopped at ${job.interrupted.at.toISOString()} past the end of DATA; may arrive twice` : null;
  const record = async (outcomes: RecipientOutcome[], extra: { via?: string; note?: string; nextAttemptAt?: Date } = {}) => {
    const input = {
      jobId: job.id,
      workerId,
      outcomes,
      ...extra,
      ...(resend && !extra.note ? { note: resend } : {}),
      ...(options.retryScheduleMs ? { retryScheduleMs: options.retryScheduleMs } : {}),
    };
    // The remote reply is in hand: a database blip must not lose it (the lease keeps the job ours meanwhile).
    for (let attempt = 1; ; attempt++) {
      try {
        return { ...(await recordDeliveryAttempt(db, input)), outcomes, via: extra.via ?? null };
      } catch (err) {
        if (isAppError(err) || attempt >= RECORD_TRIES) throw err;
        await new Promise((r) => setTimeout(r, attempt * 1_000));
      }
    }
  };

  // Nothing left to send to (every recipient finished in earlier attempts): close the job.
  if (job.recipients.length === 0) return record([]);

  const domain = domainOf(job.recipients[0]!);
  const now = job.recipients.filter((r) => options.relay || domainOf(r) === domain);
  const later: RecipientOutcome[] = job.recipients
    .filter((r) => !now.includes(r))
    .map((recipient) => ({ recipient, kind: "deferred", reply: "Waiting for the delivery to another domain of the same message" }));

  try {
    return await attemptDelivery(db, job, ctx, { domain, now, later, record });
  } catch (err) {
    if (isAppError(err) || err instanceof MarkedError) throw err instanceof MarkedError ? err.cause : err;
    // Anything unexpected before the end of DATA: a deferred attempt, so back-off and the give-up limit apply
    // instead of the job coming back every time its lease runs out.
    const reply = `Delivery failed before the message was sent: ${err instanceof Error ? err.message : String(err)}`;
    return record([...now.map((recipient) => ({ recipient, kind: "deferred", reply }) as const), ...later]);
  }
}

/** An error after the data-in-flight mark: the message may have been accepted, so it must not be deferred. */
class MarkedError extends Error {}

async function attemptDelivery(
  db: Db,
  job: ClaimedJob,
  ctx: DeliverJobContext,
  a: {
    domain: string;
    now: string[];
    later: RecipientOutcome[];
    record: (outcomes: RecipientOutcome[], extra?: { via?: string; note?: string; nextAttemptAt?: Date }) => Promise<DeliveredJob>;
  },
): Promise<DeliveredJob | null> {
  const { options, workerId } = ctx;
  const { domain, now, later, record } = a;
  const lookup = await resolveRoutes(options.resolver, domain, options);
  if (!lookup.ok) {
    const kind = lookup.permanent ? "bounced" : "deferred";
    return record([...now.map((recipient) => ({ recipient, kind, reply: lookup.reply }) as const), ...later]);
  }

  // Stopping the worker drops connections that have not reached the end of DATA (the job is given back untouched);
  // one whose dot is committed waits for its reply.
  let marked = false;
  const inner = new AbortController();
  const onStop = () => {
    if (!marked) inner.abort();
  };
  ctx.signal?.addEventListener("abort", onStop, { once: true });
  if (ctx.signal?.aborted) inner.abort();
  const renewal = setInterval(() => {
    void renewLease(db, { jobId: job.id, workerId, leaseMs: ctx.leaseMs }).catch(() => undefined);
  }, Math.max(Math.floor(ctx.leaseMs / 3), 500));
  let attempt: SmtpAttempt | null = null;
  let route: Route = lookup.routes[0]!;
  try {
    for (const r of lookup.routes) {
      if (inner.signal.aborted) break;
      route = r;
      attempt = await sendOverSmtp(r, { from: job.envelopeFrom, to: now }, job.raw, {
        heloName: options.heloName,
        ...(options.timeouts ? { timeouts: options.timeouts } : {}),
        signal: inner.signal,
        beforeDataEnd: async (accepted) => {
          if (inner.signal.aborted) throw new Error("the worker is stopping");
          await markDataSending(db, { jobId: job.id, workerId, recipients: accepted });
          marked = true;
        },
      });
      if (!attempt.tryNext) break;
    }
  } finally {
    clearInterval(renewal);
    ctx.signal?.removeEventListener("abort", onStop);
  }
  if (inner.signal.aborted && !marked) {
    await releaseClaim(db, { jobId: job.id, workerId });
    return null;
  }
  const result = attempt!;
  const extra = {
    via: describeRoute(route, result.tls),
    // Only the other domain's recipients wait: start their round at once (a 4xx here keeps its back-off).
    ...(later.length && !result.outcomes.some((o) => o.kind === "deferred") ? { nextAttemptAt: new Date() } : {}),
  };
  if (!marked) return record([...result.outcomes, ...later], extra);
  try {
    return await record([...result.outcomes, ...later], extra);
  } catch (err) {
    // Past the end of DATA the outcome must never become a deferral (a resend): the lease and the mark take over.
    throw new MarkedError("recording after the end of DATA failed", { cause: err });
  }
}
