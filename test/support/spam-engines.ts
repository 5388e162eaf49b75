/**
 * The real spam and malware engines for tests (R-SPAM): rspamd in the foreground with the configuration under
 * test/fixtures/rspamd (Debian's defaults, private ports, Bayes per user in Redis database SPAM_TEST_REDIS_DB,
 * default 11), and clamd with a signature database the test writes: one MD5 signature of the EICAR test file
 * (freshclam cannot download here). Both can be stopped and started again on the same ports (outage tests).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { deadPort } from "./mta";

const fixtures = path.resolve(import.meta.dirname, "../fixtures");

/** The EICAR anti-virus test file (eicar.org): harmless, detected by every scanner by agreement. */
export const EICAR = Buffer.from("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*", "latin1");
/** rspamd's GTUBE test string: any message containing it scores as spam (rspamd.com/doc/other/gtube_patterns). */
export const GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

export type Engine = { url: string; output(): string; stop(): Promise<void>; start(): Promise<void> };

type Launch = { command: string; args: string[]; ready: () => Promise<boolean>; name: string };

function engine(launch: Launch, address: string, timeoutMs: number): Engine {
  let child: ChildProcess | undefined;
  let output = "";
  const start = async () => {
    output = "";
    child = spawn(launch.command, launch.args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()).length > 200_000 && (output = output.slice(-100_000)));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${launch.name} exited (${child.exitCode}):\n${output.slice(-3000)}`);
      if (await launch.ready().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${launch.name} not ready within ${timeoutMs} ms:\n${output.slice(-3000)}`);
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once("exit", () => r()));
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { url: address, output: () => output, stop, start };
}

/** rspamd's controller URL (scan, learn, stat): what RSPAMD_URL points at. */
export async function startRspamd(): Promise<Engine & { dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "opsmerge-rspamd-"));
  // Hyperscan's compiled cache is shared between runs: compiling it is most of a cold start.
  const cache = path.join(tmpdir(), "opsmerge-rspamd-dbdir");
  mkdirSync(cache, { recursive: true });
  mkdirSync(path.join(dir, "run"));
  const [normal, controller] = [await deadPort(), await deadPort()];
  const url = `http://127.0.0.1:${controller}`;
  const conf = path.join(fixtures, "rspamd");
  const vars = {
    LOCAL_CONFDIR: conf,
    DBDIR: cache,
    RUNDIR: path.join(dir, "run"),
    NORMAL_PORT: String(normal),
    CONTROLLER_PORT: String(controller),
    REDIS_SERVER: process.env.SPAM_TEST_REDIS ?? "127.0.0.1:6379",
    REDIS_DB: process.env.SPAM_TEST_REDIS_DB ?? "11",
  };
  const args = ["-f", "-i", "-c", path.join(conf, "rspamd.conf"), ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}=${v}`])];
  const e = engine({ name: "rspamd", command: "rspamd", args, ready: async () => (await fetch(`${url}/stat`)).ok }, url, 240_000);
  await e.start();
  return {
    ...e,
    dir,
    stop: async () => {
      await e.stop();
    },
  };
}

/** A clamd on a private TCP port whose only signature is EICAR's; `url` is host:port, what CLAMD takes. */
export async function startClamd(): Promise<Engine & { dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "opsmerge-clamd-"));
  mkdirSync(path.join(dir, "db"));
  writeFileSync(path.join(dir, "db", "eicar.hdb"), `${createHash("md5").update(EICAR).digest("hex")}:${EICAR.length}:Eicar-Test-Signature\n`);
  const port = await deadPort();
  const conf = path.join(dir, "clamd.conf");
  writeFileSync(
    conf,
    [
      "Foreground yes",
      `DatabaseDirectory ${path.join(dir, "db")}`,
      `TCPSocket ${port}`,
      "TCPAddr 127.0.0.1",
      `PidFile ${path.join(dir, "clamd.pid")}`,
      ...(process.getuid?.() === 0 ? ["User root"] : []),
      "",
    ].join("\n"),
  );
  const ready = () =>
    new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port }, () => s.end("zPING\0"));
      let reply = "";
      s.on("data", (c: Buffer) => (reply += c.toString()));
      s.on("close", () => resolve(reply.includes("PONG")));
      s.on("error", () => resolve(false));
    });
  const e = engine({ name: "clamd", command: "clamd", args: ["-c", conf], ready }, `127.0.0.1:${port}`, 120_000);
  await e.start();
  return { ...e, dir };
}

export function removeEngineDir(e: { dir: string }): void {
  rmSync(e.dir, { recursive: true, force: true });
}
