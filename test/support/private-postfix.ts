/**
 * A private Postfix (Debian's `postfix` package) that a test starts and stops: it plays the MSP's own mail host
 * (R-HEALTH-1 forwarding hop). Its own config directory, queue and data directory under a temporary directory,
 * smtpd on 127.0.0.1 and a port of its own; `virtual_alias_maps` forwards the MSP's public addresses and
 * `transport_maps` sends each destination domain to a local port (the gateway, the test's receiving MTA). Nothing
 * touches the machine's own Postfix. Starting a Postfix master needs root (it drops to the `postfix` user).
 */
import { execFile } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { deadPort } from "./mta";

const run = promisify(execFile);

export type PrivatePostfix = {
  port: number;
  /** "127.0.0.1:port", ready for OUTBOUND_RELAY. */
  address: string;
  /** Replaces the virtual alias table (address → forward target) and reloads (postmap + postfix reload). */
  setAliases(aliases: Record<string, string>): Promise<void>;
  /** Postfix's own log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
};

export type PrivatePostfixOptions = {
  /** Domains whose addresses are virtual aliases (the MSP's public domain). */
  aliasDomains: string[];
  aliases: Record<string, string>;
  /** Destination domain → "127.0.0.1:port" (".example.org" matches subdomains). */
  transports: Record<string, string>;
};

export async function startPrivatePostfix(options: PrivatePostfixOptions): Promise<PrivatePostfix> {
  if (userInfo().uid !== 0) throw new Error("a private Postfix needs root to start its master process");
  const dir = mkdtempSync("/tmp/opsmerge-postfix-");
  chmodSync(dir, 0o755);
  const queue = path.join(dir, "queue");
  const data = path.join(dir, "data");
  mkdirSync(queue, { mode: 0o755 });
  mkdirSync(data, { mode: 0o700 });
  const postfixUser = await run("id", ["-u", "postfix"]).then((r) => Number(r.stdout.trim()));
  chownSync(data, postfixUser, 0);
  const port = await deadPort();
  const relayDomains = Object.keys(options.transports).filter((d) => !d.startsWith("."));
  writeFileSync(
    path.join(dir, "main.cf"),
    [
      "compatibility_level = 3.6",
      `queue_directory = ${queue}`,
      `data_directory = ${data}`,
      "mail_owner = postfix",
      "setgid_group = postdrop",
      "myhostname = mail.msp.test",
      "mydestination =",
      "inet_interfaces = 127.0.0.1",
      "inet_protocols = ipv4",
      "mynetworks = 127.0.0.0/8",
      `virtual_alias_domains = ${options.aliasDomains.join(", ")}`,
      `virtual_alias_maps = hash:${dir}/virtual`,
      `transport_maps = hash:${dir}/transport`,
      `relay_domains = ${relayDomains.join(", ")}`,
      "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination",
      "smtp_dns_support_level = disabled",
      // Retry quickly: a test's hop must not sit in a 5-minute backoff.
      "queue_run_delay = 1s",
      "minimal_backoff_time = 1s",
      "maximal_backoff_time = 2s",
      `maillog_file_prefixes = ${dir}`,
      `maillog_file = ${dir}/maillog`,
      "",
    ].join("\n"),
  );
  writeFileSync(path.join(dir, "master.cf"), masterCf(port));
  writeFileSync(path.join(dir, "transport"), Object.entries(options.transports).map(([d, hp]) => `${d} smtp:[${hp.split(":")[0]}]:${hp.split(":")[1]}\n`).join(""));
  await run("postmap", [`${dir}/transport`]);
  const setAliases = async (aliases: Record<string, string>) => {
    writeFileSync(path.join(dir, "virtual"), Object.entries(aliases).map(([from, to]) => `${from} ${to}\n`).join("") || "# none\n");
    await run("postmap", [`${dir}/virtual`]);
  };
  await setAliases(options.aliases);
  await run("postfix", ["-c", dir, "start"]).catch((err: unknown) => {
    throw new Error(`postfix did not start: ${err instanceof Error ? err.message : "?"}\n${readLog(dir)}`);
  });
  await waitForPort(port, () => readLog(dir));
  return {
    port,
    address: `127.0.0.1:${port}`,
    async setAliases(aliases) {
      await setAliases(aliases);
      await run("postfix", ["-c", dir, "reload"]);
    },
    log: () => readLog(dir),
    async stop() {
      await run("postfix", ["-c", dir, "stop"]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(dir: string): string {
  try {
    return readFileSync(path.join(dir, "maillog"), "utf8");
  } catch {
    return "(no Postfix log)";
  }
}

async function waitForPort(port: number, log: () => string): Promise<void> {
  const { connect } = await import("node:net");
  const end = Date.now() + 20_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: "127.0.0.1" }, () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`the private Postfix never listened on ${port}\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Postfix's services, none chrooted (the queue directory is not a chroot jail), smtpd on the test's port. */
function masterCf(port: number): string {
  return [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    "pickup unix n - n 60 1 pickup",
    "cleanup unix n - n - 0 cleanup",
    "qmgr unix n - n 300 1 qmgr",
    "tlsmgr unix - - n 1000? 1 tlsmgr",
    "rewrite unix - - n - - trivial-rewrite",
    "bounce unix - - n - 0 bounce",
    "defer unix - - n - 0 bounce",
    "trace unix - - n - 0 bounce",
    "verify unix - - n - 1 verify",
    "flush unix n - n 1000? 0 flush",
    "proxymap unix - - n - - proxymap",
    "smtp unix - - n - - smtp",
    "relay unix - - n - - smtp",
    "showq unix n - n - - showq",
    "error unix - - n - - error",
    "retry unix - - n - - error",
    "discard unix - - n - - discard",
    "local unix - n n - - local",
    "virtual unix - n n - - virtual",
    "lmtp unix - - n - - lmtp",
    "anvil unix - - n - 1 anvil",
    "scache unix - - n - 1 scache",
    "postlog unix-dgram n - n - 1 postlogd",
    "",
  ].join("\n");
}
