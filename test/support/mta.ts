/**
 * The real MTA for integration tests: `node --import tsx scripts/mta.ts` (exactly what `npm start` runs) on an
 * OS-assigned port, against a given database, data directory and DNS server; plus a small SMTP client that
 * speaks over a real socket and returns every reply code, for the tests that need exact codes and raw bytes
 * (STARTTLS, SIZE, pipelining, smuggling attempts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { readSmtpBanner } from "../../server/health/check-health";
import { mtaProcessEnv } from "../../server/mta/process-env";

const root = path.resolve(import.meta.dirname, "../..");

export const TEST_APP_SECRET = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz";
export const TEST_INBOUND_DOMAIN = "in.test.local";

export type MtaProcess = {
  host: string;
  port: number;
  /** The process id (fault tests pause the process with SIGSTOP/SIGCONT); with SMTP_WORKERS > 1 the primary's. */
  pid: number;
  dataDir: string;
  env: Record<string, string>;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
  /** Sends a signal without any grace (fault tests: `kill("SIGKILL")`); resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
};

export type StartMtaOptions = {
  databaseUrl: string;
  dnsServers?: string;
  dataDir?: string;
  env?: Record<string, string>;
  startTimeoutMs?: number;
};

/**
 * How long a start may take: about 3 s on a quiet machine, but another test file may be running `next build`
 * (test/support/web.ts) on the same two cores meanwhile.
 */
const START_TIMEOUT_MS = 180_000;

/** Starts the MTA and resolves once it (every SMTP worker, with SMTP_WORKERS > 1) has bound its port and greets with 220. */
export async function startMta(options: StartMtaOptions): Promise<MtaProcess> {
  const ownDataDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "opsmerge-mta-"));
  const env: Record<string, string> = {
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: dataDir,
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: "0",
    // Any free port for /metrics (printed as OPSMERGE_MTA_METRICS): parallel test MTAs must not share 2527.
    MTA_METRICS_PORT: "0",
    APP_SECRET: TEST_APP_SECRET,
    INBOUND_DOMAIN: TEST_INBOUND_DOMAIN,
    LOG_LEVEL: process.env.MTA_LOG_LEVEL ?? "warn",
    NODE_ENV: "test",
    // One process unless a test asks for Haraka's cluster mode: fault tests signal `pid`, and the machine's
    // cores are shared by parallel test files.
    SMTP_WORKERS: "1",
    ...(options.dnsServers ? { DNS_SERVERS: options.dnsServers } : {}),
    ...options.env,
  };
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/mta.ts")], {
    cwd: root,
    env: mtaProcessEnv({ ...process.env, ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`MTA did not start within ${options.startTimeoutMs ?? START_TIMEOUT_MS} ms:\n${output}`)),
      options.startTimeoutMs ?? START_TIMEOUT_MS,
    );
    // In cluster mode every worker prints the line: ready once all of them listen.
    const workers = Number(env.SMTP_WORKERS) || 1;
    const onData = () => {
      const m = /OPSMERGE_MTA_READY [^\s]*?:(\d+)/.exec(output);
      if (!m || (output.match(/OPSMERGE_MTA_READY /g)?.length ?? 0) < workers) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      resolve(Number(m[1]));
    };
    child.stdout.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`MTA exited (${signal ?? code}) before it was ready:\n${output}`));
    });
  });
  await readSmtpBanner("127.0.0.1", port, 10_000);

  return {
    host: "127.0.0.1",
    port,
    pid: child.pid!,
    dataDir,
    env,
    output: () => output,
    stop: async () => {
      await stopChild(child);
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill(signal);
      await exited;
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A TCP port nothing listens on (bound by the OS, then released). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export type SmtpResponse = { code: number; lines: string[]; text: string };

/** A minimal SMTP client over a real socket that exposes every reply. */
export class SmtpClient {
  #socket: Socket | TLSSocket;
  #buffer = "";
  #pending: SmtpResponse[] = [];
  #waiters: ((r: SmtpResponse) => void)[] = [];
  #closed = false;
  greeting!: SmtpResponse;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  static async connect(port: number, host = "127.0.0.1"): Promise<SmtpClient> {
    const socket = connect({ port, host });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", reject);
    });
    const client = new SmtpClient(socket);
    client.greeting = await client.read();
    return client;
  }

  #attach(socket: Socket | TLSSocket): void {
    socket.on("data", (chunk: Buffer) => {
      this.#buffer += chunk.toString("latin1");
      this.#parse();
    });
    socket.on("close", () => {
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) w({ code: 0, lines: [], text: "connection closed" });
    });
    socket.on("error", () => undefined);
  }

  #parse(): void {
    for (;;) {
      const lines: string[] = [];
      let offset = 0;
      let complete = false;
      for (;;) {
        const end = this.#buffer.indexOf("\n", offset);
        if (end < 0) break;
        const line = this.#buffer.slice(offset, end).replace(/\r$/, "");
        offset = end + 1;
        lines.push(line);
        if (/^\d{3}(?: |$)/.test(line)) {
          complete = true;
          break;
        }
      }
      if (!complete) return;
      this.#buffer = this.#buffer.slice(offset);
      const response = {
        code: Number(lines[lines.length - 1]!.slice(0, 3)),
        lines,
        text: lines.map((l) => l.slice(4)).join("\n"),
      };
      const waiter = this.#waiters.shift();
      if (waiter) waiter(response);
      else this.#pending.push(response);
    }
  }

  /** The next reply, in order. */
  read(timeoutMs = 30_000): Promise<SmtpResponse> {
    const ready = this.#pending.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#closed) return Promise.resolve({ code: 0, lines: [], text: "connection closed" });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no SMTP reply in time")), timeoutMs);
      this.#waiters.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  write(data: string | Buffer): void {
    this.#socket.write(data);
  }

  async command(line: string): Promise<SmtpResponse> {
    this.write(`${line}\r\n`);
    return this.read();
  }

  async startTls(): Promise<{ response: SmtpResponse; socket?: TLSSocket }> {
    const response = await this.command("STARTTLS");
    if (response.code !== 220) return { response };
    const plain = this.#socket;
    plain.removeAllListeners("data");
    plain.removeAllListeners("close");
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false, servername: "localhost" });
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", () => resolve());
      secure.once("error", reject);
    });
    this.#socket = secure;
    this.#attach(secure);
    return { response, socket: secure };
  }

  /**
   * One whole transaction. `data` is the message as it should arrive (CRLF line ends); dot-stuffing is applied
   * here. Stops at the first refused step and returns what was answered.
   */
  async send(input: { from: string; to: string[]; data?: string | Buffer; mailParams?: string }): Promise<{
    mail: SmtpResponse;
    rcpt: SmtpResponse[];
    dataCommand?: SmtpResponse;
    final?: SmtpResponse;
  }> {
    const mail = await this.command(`MAIL FROM:<${input.from}>${input.mailParams ? ` ${input.mailParams}` : ""}`);
    const rcpt: SmtpResponse[] = [];
    if (mail.code !== 250) return { mail, rcpt };
    for (const to of input.to) rcpt.push(await this.command(`RCPT TO:<${to}>`));
    if (!rcpt.some((r) => r.code === 250) || input.data === undefined) return { mail, rcpt };
    const dataCommand = await this.command("DATA");
    if (dataCommand.code !== 354) return { mail, rcpt, dataCommand };
    const body = Buffer.isBuffer(input.data) ? input.data : Buffer.from(input.data, "utf8");
    const stuffed = Buffer.from(body.toString("latin1").replace(/(^|\r\n)\./g, "$1.."), "latin1");
    const ending = stuffed.subarray(-2).toString() === "\r\n" ? ".\r\n" : "\r\n.\r\n";
    this.write(Buffer.concat([stuffed, Buffer.from(ending)]));
    const final = await this.read(90_000);
    return { mail, rcpt, dataCommand, final };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      this.write("QUIT\r\n");
      await this.read(2_000);
    } catch {
      // closing anyway
    }
    this.#socket.destroy();
  }
}

/** Sends one message on a fresh connection (EHLO first) and closes it. */
export async function sendMail(
  mta: { port: number },
  input: { from: string; to: string[]; data?: string | Buffer; helo?: string; mailParams?: string },
) {
  const client = await SmtpClient.connect(mta.port);
  try {
    const ehlo = await client.command(`EHLO ${input.helo ?? "client.example"}`);
    const result = await client.send(input);
    return { ehlo, ...result };
  } finally {
    await client.close();
  }
}
