import { connect } from "node:net";
import type { Db } from "../db/client";
import type { Env } from "../env";

export type HealthReport = {
  status: "ok" | "degraded";
  database: { ok: boolean; provider: Env["database"]["provider"]; error?: string };
  /**
   * The MTA on this host; on a web-only node (`onThisNode: false`) there is none to probe and its absence is not a
   * failure: MTA nodes are checked by their own SMTP greeting.
   */
  mta: { ok: boolean; port: number; error?: string; onThisNode?: false; detail?: string };
};

/** What a web-only node reports for the MTA. */
export const MTA_NOT_ON_THIS_NODE = "not on this node (web-only node; MTA nodes answer for themselves with their 220 greeting)";

/**
 * What GET /api/health reports: the database answers a trivial query, and the MTA on this host greets with a
 * 220 banner. Either failing makes the whole product "degraded": mail would be refused or lost without both.
 * `mtaOnThisNode: false` (a web-only node, NODE_ROLE=web): the MTA is not probed and reported as not on this node,
 * so the node is "ok" when its database answers — what a load balancer's health check of a web node needs.
 */
export async function checkHealth(
  db: Db,
  options: {
    provider: Env["database"]["provider"];
    smtpPort: number;
    smtpHost?: string;
    timeoutMs?: number;
    mtaOnThisNode?: boolean;
  },
): Promise<HealthReport> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const mtaProbe: Promise<HealthReport["mta"]> =
    options.mtaOnThisNode === false
      ? Promise.resolve({ ok: true, port: options.smtpPort, onThisNode: false, detail: MTA_NOT_ON_THIS_NODE })
      : readSmtpBanner(options.smtpHost ?? "127.0.0.1", options.smtpPort, timeoutMs).then(
          () => ({ ok: true, port: options.smtpPort }),
          (err: unknown) => ({ ok: false, port: options.smtpPort, error: messageOf(err) }),
        );
  const [database, mta] = await Promise.all([
    checkDatabase(db, timeoutMs).then(
      () => ({ ok: true, provider: options.provider }),
      (err: unknown) => ({ ok: false, provider: options.provider, error: messageOf(err) }),
    ),
    mtaProbe,
  ]);
  return { status: database.ok && mta.ok ? "ok" : "degraded", database, mta };
}

async function checkDatabase(db: Db, timeoutMs: number): Promise<void> {
  await withTimeout(db.$queryRawUnsafe("SELECT 1"), timeoutMs, "database did not answer");
}

/** Connects, waits for the greeting, says QUIT. Resolves on a 220 greeting, rejects on anything else. */
export function readSmtpBanner(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffered = "";
    const finish = (err: Error | null, banner?: string) => {
      socket.removeAllListeners();
      socket.on("error", () => undefined);
      if (err) socket.destroy();
      else socket.end("QUIT\r\n");
      if (err) reject(err);
      else resolve(banner ?? "");
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no SMTP greeting within ${timeoutMs} ms`)));
    socket.on("error", (err) => finish(err));
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      const lineEnd = buffered.indexOf("\n");
      if (lineEnd < 0) return;
      const line = buffered.slice(0, lineEnd).trim();
      if (line.startsWith("220")) finish(null, line);
      else finish(new Error(`unexpected SMTP greeting: ${line.slice(0, 120)}`));
    });
    socket.on("end", () => finish(new Error("connection closed before the SMTP greeting")));
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
