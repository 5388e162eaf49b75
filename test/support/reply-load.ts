/**
 * A load generator of technician replies through the web's real tRPC endpoint (`tickets.reply` over HTTP), as the
 * composer sends them, that copes with a web node dying under it the way a careful client must.
 *
 * `tickets.reply` has no idempotency key, so a request that got no answer (connection reset, 5xx from a dying
 * process) may or may not have been stored. The client does not guess: each reply carries a unique token in its
 * body, and after a lost answer the client waits for a web node to answer again and reads the ticket's thread
 * (`tickets.get`). Found: the reply was stored, done. Not found: the process died before its transaction
 * committed (a killed process's open transaction is rolled back), so it is sent again. A reply is therefore stored
 * once whatever happens to the answer.
 */
import { TrpcHttpError, type WebSession } from "./web";

export type ReplyJob = {
  token: string;
  ticketId: string;
  to: string;
  /** The web node this reply is sent through. */
  baseUrl: string;
};

export type ReplyLoadReport = {
  /** Tokens whose request answered 200 (the client was told the reply is queued). */
  told: Set<string>;
  /** Tokens whose answer was lost but which the thread showed stored. */
  foundAfterLostAnswer: Set<string>;
  /** Tokens refused with a 4xx (never expected here): token → message. */
  refused: Map<string, string>;
  /** Tokens still unsent at the deadline. */
  pending: Set<string>;
  /** Requests that got no usable answer. */
  lostAnswers: number;
  /** Requests sent again after the thread showed the reply missing. */
  resent: number;
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
    foundAfterLostAnswer: new Set(),
    refused: new Map(),
    pending: new Set(options.jobs.map((j) => j.token)),
    lostAnswers: 0,
    resent: 0,
    attempts: 0,
    elapsedMs: 0,
  };

  /** Whether the ticket's thread holds the reply; waits (polling) until a web node answers. */
  const inThread = async (job: ReplyJob): Promise<boolean | null> => {
    while (Date.now() < deadline) {
      try {
        const ticket = await session.query<{ messages: { newText: string; fullText: string | null }[] }>(
          job.baseUrl,
          "tickets.get",
          {
            id: job.ticketId,
          },
        );
        return ticket.messages.some((m) => m.newText.includes(job.token) || (m.fullText ?? "").includes(job.token));
      } catch {
        await sleep(500);
      }
    }
    return null;
  };

  const one = async (job: ReplyJob) => {
    while (Date.now() < deadline) {
      report.attempts++;
      try {
        await session.mutation(
          job.baseUrl,
          "tickets.reply",
          { ticketId: job.ticketId, to: [{ address: job.to }], body: replyBody(job.token) },
          AbortSignal.timeout(90_000),
        );
        report.told.add(job.token);
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
        const stored = await inThread(job);
        if (stored === null) return;
        if (stored) {
          report.foundAfterLostAnswer.add(job.token);
          report.pending.delete(job.token);
          return;
        }
        report.resent++;
        await sleep(200);
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
