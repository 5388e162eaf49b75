/**
 * A real SMTP load generator for benchmarks: concurrent plain-TCP SMTP sessions, each sending messages one after
 * another (EHLO once, then MAIL/RCPT/DATA per message, RSET-free). For every message it records the time from
 * the end of DATA (the final ".") to the server's reply — which, since the gateway answers 250 only after the
 * commit, is an upper bound of receipt→commit latency.
 *
 * Two modes: as fast as the sessions go (throughput), or paced to a target rate (latency under a given load).
 */
import net from "node:net";

export type LoadMessage = { mailFrom: string; rcptTo: string; data: Buffer };

export type LoadOptions = {
  host: string;
  port: number;
  sessions: number;
  messages: LoadMessage[];
  /** Messages per second across all sessions; unset → as fast as possible. */
  ratePerSecond?: number;
  helo?: string;
};

export type LoadResult = {
  sent: number;
  accepted: number;
  tempFailed: number;
  permFailed: number;
  errors: number;
  elapsedMs: number;
  /** ms from end of DATA to the reply, accepted messages only. */
  latencies: number[];
  firstFailures: string[];
};

/** A line-oriented SMTP reader: resolves with the complete (possibly multi-line) reply. */
class SmtpConnection {
  private buffer = "";
  private waiting: ((reply: string) => void) | null = null;
  private failed: ((err: Error) => void) | null = null;
  private pending: string[] = [];
  private current: string[] = [];

  constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk.toString("latin1")));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("connection closed")));
  }

  private onData(text: string): void {
    this.buffer += text;
    let i: number;
    while ((i = this.buffer.indexOf("\r\n")) >= 0) {
      const line = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      this.current.push(line);
      if (line.length < 4 || line[3] !== "-") {
        const reply = this.current.join("\n");
        this.current = [];
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = null;
          this.failed = null;
          w(reply);
        } else this.pending.push(reply);
      }
    }
  }

  private fail(err: Error): void {
    if (this.failed) {
      const f = this.failed;
      this.waiting = null;
      this.failed = null;
      f(err);
    }
  }

  reply(): Promise<string> {
    const ready = this.pending.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.socket.destroyed) return Promise.reject(new Error("connection closed"));
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failed = reject;
    });
  }

  async command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  close(): void {
    this.socket.end("QUIT\r\n");
  }
}

function connect(host: string, port: number): Promise<SmtpConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () => resolve(new SmtpConnection(socket)));
    socket.once("error", reject);
  });
}

/** Dot-stuffs and terminates message data for the DATA phase. */
export function encodeData(data: Buffer): Buffer {
  const text = data.toString("latin1").replace(/\r?\n/g, "\r\n");
  const stuffed = text.replace(/^\./gm, "..");
  return Buffer.from(stuffed.endsWith("\r\n") ? `${stuffed}.\r\n` : `${stuffed}\r\n.\r\n`, "latin1");
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = {
    sent: 0,
    accepted: 0,
    tempFailed: 0,
    permFailed: 0,
    errors: 0,
    elapsedMs: 0,
    latencies: [],
    firstFailures: [],
  };
  const queue = options.messages.map((m) => ({ ...m, encoded: encodeData(m.data) }));
  let next = 0;
  const started = performance.now();
  const interval = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;
  const note = (reason: string) => {
    if (result.firstFailures.length < 5) result.firstFailures.push(reason);
  };

  const session = async () => {
    let conn: SmtpConnection | null = null;
    while (next < queue.length) {
      const index = next++;
      const msg = queue[index]!;
      if (interval) {
        const due = started + index * interval;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      try {
        if (!conn) {
          conn = await connect(options.host, options.port);
          const banner = await conn.reply();
          if (!banner.startsWith("220")) throw new Error(`banner: ${banner}`);
          const ehlo = await conn.command(`EHLO ${options.helo ?? "load.example"}`);
          if (!ehlo.startsWith("250")) throw new Error(`EHLO: ${ehlo}`);
        }
        result.sent++;
        const mail = await conn.command(`MAIL FROM:<${msg.mailFrom}>`);
        if (!mail.startsWith("250")) throw new Error(`MAIL: ${mail}`);
        const rcpt = await conn.command(`RCPT TO:<${msg.rcptTo}>`);
        if (!rcpt.startsWith("250")) {
          classify(rcpt);
          await conn.command("RSET");
          continue;
        }
        const data = await conn.command("DATA");
        if (!data.startsWith("354")) throw new Error(`DATA: ${data}`);
        conn.write(msg.encoded);
        const t0 = performance.now();
        const reply = await conn.reply();
        const dt = performance.now() - t0;
        if (reply.startsWith("250")) {
          result.accepted++;
          result.latencies.push(dt);
        } else classify(reply);
      } catch (err) {
        result.errors++;
        note((err as Error).message);
        conn = null;
      }
    }
    conn?.close();
  };

  function classify(reply: string): void {
    if (reply.startsWith("4")) result.tempFailed++;
    else result.permFailed++;
    note(reply);
  }

  await Promise.all(Array.from({ length: options.sessions }, () => session()));
  result.elapsedMs = performance.now() - started;
  return result;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}
