/**
 * A real SMTP sender for fault tests: concurrent sessions over real sockets that behave like a well-behaved MTA
 * (RFC 5321 §4.5.4): a message answered 250 is done; a 4xx reply, a dropped connection or a refused connect
 * means "try again later", so the message is queued again after a short back-off; a 5xx is a permanent failure.
 * Every attempt and every final reply is recorded, so a test can compare what senders were told with what the
 * database holds.
 */
import net from "node:net";
import { encodeData } from "../../bench/smtp-load";

export type OutgoingMessage = { id: string; mailFrom: string; rcptTo: string; data: Buffer };

export type SenderOptions = {
  host: string;
  /** Read on every (re)connect, so a restarted server on another port can be followed. */
  port: number | (() => number);
  sessions: number;
  messages: OutgoingMessage[];
  /** Give up retrying after this many ms from the start (the message then counts as not delivered). */
  deadlineMs: number;
  /** Pause before a retry, ms. */
  retryDelayMs?: number;
  /** Per-reply timeout, ms: a server that hangs counts like a dropped connection. */
  replyTimeoutMs?: number;
  /** Called once per message attempt that got a reply to the final dot (for tests that act mid-stream). */
  onFinalReply?: (code: number, message: OutgoingMessage) => void;
};

export type SenderReport = {
  /** Distinct messages the senders had to deliver. */
  sent: number;
  /** Distinct messages that got a 250 at the end of DATA (at least once). */
  accepted: number;
  /** Ids of accepted messages. */
  acceptedIds: Set<string>;
  /** Ids refused with 5xx (permanently). */
  rejectedIds: Map<string, string>;
  /** Ids still not accepted at the deadline. */
  pendingIds: Set<string>;
  attempts: number;
  /** Replies by class during the run: 4xx at any step, connection errors (refused, reset, closed, timeout). */
  tempReplies: number;
  connectionErrors: number;
  /** The first few unexpected replies/errors, for failure messages. */
  notes: string[];
  elapsedMs: number;
};

class Conn {
  #buffer = "";
  #lines: string[] = [];
  #waiter: { resolve: (r: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  #ready: string[] = [];
  #error: Error | null = null;

  constructor(
    readonly socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk.toString("latin1")));
    socket.on("error", (err) => this.#fail(err));
    socket.on("close", () => this.#fail(new Error("connection closed")));
  }

  #onData(text: string): void {
    this.#buffer += text;
    let i: number;
    while ((i = this.#buffer.indexOf("\n")) >= 0) {
      const line = this.#buffer.slice(0, i).replace(/\r$/, "");
      this.#buffer = this.#buffer.slice(i + 1);
      this.#lines.push(line);
      if (line.length < 4 || line[3] !== "-") {
        const reply = this.#lines.join("\n");
        this.#lines = [];
        const w = this.#waiter;
        if (w) {
          this.#waiter = null;
          clearTimeout(w.timer);
          w.resolve(reply);
        } else this.#ready.push(reply);
      }
    }
  }

  #fail(err: Error): void {
    this.#error ??= err;
    const w = this.#waiter;
    if (w) {
      this.#waiter = null;
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  reply(): Promise<string> {
    const r = this.#ready.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        reject(new Error("reply timeout"));
        this.socket.destroy();
      }, this.timeoutMs);
      this.#waiter = { resolve, reject, timer };
    });
  }

  async command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }
}

function open(host: string, port: number, timeoutMs: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => socket.destroy(new Error("connect timeout")), timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(new Conn(socket, timeoutMs));
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

class TempFailure extends Error {}
class PermFailure extends Error {}

const code = (reply: string) => Number(reply.slice(0, 3));

function check(reply: string, expected: number, step: string): void {
  if (code(reply) === expected) return;
  if (code(reply) >= 500) throw new PermFailure(`${step}: ${reply}`);
  throw new TempFailure(`${step}: ${reply}`);
}

export async function sendWithRetries(options: SenderOptions): Promise<SenderReport> {
  const started = performance.now();
  const retryDelay = options.retryDelayMs ?? 250;
  const timeout = options.replyTimeoutMs ?? 30_000;
  const portOf = typeof options.port === "function" ? options.port : () => options.port as number;
  const report: SenderReport = {
    sent: options.messages.length,
    accepted: 0,
    acceptedIds: new Set(),
    rejectedIds: new Map(),
    pendingIds: new Set(options.messages.map((m) => m.id)),
    attempts: 0,
    tempReplies: 0,
    connectionErrors: 0,
    notes: [],
    elapsedMs: 0,
  };
  const note = (s: string) => {
    if (report.notes.length < 10) report.notes.push(s);
  };
  // A shared work queue: a message that must be retried goes to the back, after its back-off.
  const queue = options.messages.map((m) => ({ message: m, notBefore: 0 }));
  let inFlight = 0;
  const expired = () => performance.now() - started > options.deadlineMs;

  const session = async () => {
    let conn: Conn | null = null;
    const drop = () => {
      conn?.socket.destroy();
      conn = null;
    };
    for (;;) {
      if (expired()) break;
      const item = queue.shift();
      if (!item) {
        if (inFlight === 0) break;
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const wait = item.notBefore - performance.now();
      if (wait > 0) {
        queue.push(item);
        await new Promise((r) => setTimeout(r, Math.min(wait, 50)));
        continue;
      }
      inFlight++;
      const m = item.message;
      report.attempts++;
      let inData = false;
      try {
        if (!conn) {
          const c: Conn = await open(options.host, portOf(), timeout);
          conn = c;
          check(await c.reply(), 220, "banner");
          check(await c.command("EHLO sender.fault.example"), 250, "EHLO");
        }
        const c: Conn = conn;
        check(await c.command(`MAIL FROM:<${m.mailFrom}>`), 250, "MAIL");
        check(await c.command(`RCPT TO:<${m.rcptTo}>`), 250, "RCPT");
        check(await c.command("DATA"), 354, "DATA");
        inData = true;
        c.socket.write(encodeData(m.data));
        const final = await c.reply();
        inData = false;
        options.onFinalReply?.(code(final), m);
        check(final, 250, "end of DATA");
        report.acceptedIds.add(m.id);
        report.pendingIds.delete(m.id);
      } catch (err) {
        if (err instanceof PermFailure) {
          report.rejectedIds.set(m.id, err.message);
          report.pendingIds.delete(m.id);
          note(err.message);
          // A 5xx at MAIL/RCPT leaves the transaction open; reset it so the next message starts clean.
          if (!inData && conn) await conn.command("RSET").catch(() => drop());
        } else {
          if (err instanceof TempFailure) {
            report.tempReplies++;
            note(err.message);
            // After a 4xx mid-transaction start over on a fresh connection (the server may have closed it).
            drop();
          } else {
            report.connectionErrors++;
            note((err as Error).message);
            drop();
          }
          queue.push({ message: m, notBefore: performance.now() + retryDelay });
        }
      } finally {
        inFlight--;
      }
    }
    if (conn) conn.socket.end("QUIT\r\n");
  };

  await Promise.all(Array.from({ length: options.sessions }, () => session()));
  report.accepted = report.acceptedIds.size;
  report.elapsedMs = Math.round(performance.now() - started);
  return report;
}
