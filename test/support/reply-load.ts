/**
 * A load generator of technician replies through the web's real tRPC endpoint (`tickets.reply` over HTTP), as the
 * composer sends them, that copes with a web node dying under it the way the composer does.
 *
 * Each reply carries an idempotency key (R-OUT-3), made once per reply and sent with every attempt, as the
 * composer keeps one per draft. A request that got no answer (connection reset, 5xx from a dying process, nothing
 * listening while the node restarts) may or may not have been stored; the client does not need to know: it sends
 * the same request with the same key again until a web node answers. Stored the first time, the answer is that
 * message (`replayed: true`) and nothing new is queued; not stored (the process died before its transaction
 * committed, which rolls it back), it is queued now. Each reply also carries a unique token in its body, by which
 * the tests count what the database stored, independently of what the client was told.
 */
import { randomUUID } from "node:crypto";
import { TrpcHttpError, type WebSession } from "./web";

export type ReplyJob = {
  token: string;
  ticketId: string;
  to: string;
  /** The web node this reply is sent through. */
  baseUrl: string;
  /** The reply's idempotency key; a random one when omitted. The same key sends the same reply again. */
  idempotencyKey?: string;
};

export type ReplyLoadReport = {
  /** Tokens whose request was eventually answered 200 (the client was told the reply is queued). */
  told: Set<string>;
  /** Of those, tokens answered with a reply an earlier, unanswered attempt had stored (`replayed`). */
  replayed: Set<string>;
  /** Tokens refused with a 4xx (never expected here): token → message. */
  refused: Map<string, string>;
  /** Tokens still unsent at the deadline. */
  pending: Set<string>;
  /** Requests that got no usable answer (including those no node was listening for during a restart). */
  lostAnswers: number;
  /** Requests sent again, with the same key, after a lost answer. */
  retries: number;
  attempts: number;
  elapsedMs: number;
};

export function replyBody(token: string): string {
  return `Here is an update on your ticket.\n\n[fault-token ${token}]\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function sendRepliesWithRetries(options: {
  session: WebSession;
  jobs: ReplyJob[];
  concurrency: number;
  deadlineMs: number;
  /** Called after every reply the client was told succeeded, with the running count. */
  onTold?: (count: number) => void;
}): Promise<ReplyLoadReport> {
  const { session } = options;
  const t0 = performance.now();
  const deadline = Date.now() + options.deadlineMs;
  const report: ReplyLoadReport = {
    told: new Set(),
    replayed: new Set(),
    refused: new Map(),
    pending: new Set(options.jobs.map((j) => j.token)),
    lostAnswers: 0,
    retries: 0,
    attempts: 0,
    elapsedMs: 0,
  };

  const one = async (job: ReplyJob) => {
    const idempotencyKey = job.idempotencyKey ?? randomUUID();
    const input = { ticketId: job.ticketId, to: [{ address: job.to }], body: replyBody(job.token), idempotencyKey };
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      report.attempts++;
      if (attempt > 0) report.retries++;
      try {
        const answer = await session.mutation<{ replayed: boolean }>(
          job.baseUrl,
          "tickets.reply",
          input,
          AbortSignal.timeout(90_000),
        );
        report.told.add(job.token);
        if (answer.replayed) report.replayed.add(job.token);
        report.pending.delete(job.token);
        options.onTold?.(report.told.size);
        return;
      } catch (err) {
        if (err instanceof TrpcHttpError && err.status < 500) {
          report.refused.set(job.token, `${err.status} ${err.code}: ${err.message}`);
          report.pending.delete(job.token);
          return;
        }
        report.lostAnswers++;
        await sleep(500);
      }
    }
  };

  const queue = [...options.jobs];
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await one(job);
    }),
  );
  report.elapsedMs = Math.round(performance.now() - t0);
  return report;
}
