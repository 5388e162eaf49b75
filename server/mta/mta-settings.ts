/**
 * Haraka's settings, derived from the validated environment. The Haraka install directory (mta/config) holds
 * `<name>.js` modules that return these sections (haraka-config loads them when HARAKA_JS_CONFIG=1 and no
 * `<name>` file exists), so SMTP_PORT, SMTP_MAX_SIZE, the TLS files and the log level have one source: env.ts.
 */
import path from "node:path";
import { loadEnv, type Env } from "../env";

export type TlsFiles = { cert: string; key: string; dhparam: string; generated: boolean };

/** SMTP_TLS_CERT/KEY when both are set; otherwise the self-signed pair scripts/mta.ts generates into DATA_DIR. */
export function tlsFiles(env: Env): TlsFiles {
  const dir = path.join(env.DATA_DIR, "tls");
  if (env.SMTP_TLS_CERT && env.SMTP_TLS_KEY) {
    return {
      cert: path.resolve(env.SMTP_TLS_CERT),
      key: path.resolve(env.SMTP_TLS_KEY),
      dhparam: path.join(dir, "dhparams.pem"),
      generated: false,
    };
  }
  return { cert: path.join(dir, "smtp-cert.pem"), key: path.join(dir, "smtp-key.pem"), dhparam: path.join(dir, "dhparams.pem"), generated: true };
}

/** Haraka's message stream keeps a message in memory up to this size, and spools it to disk past it. */
export const SPOOL_AFTER = 1024 * 1024;

/** Where Haraka spools large messages while they arrive (created by scripts/mta.ts, private like DATA_DIR). */
export function spoolDir(env: Env): string {
  return path.resolve(env.DATA_DIR, "spool");
}

const HARAKA_LOG_LEVEL: Record<Env["LOG_LEVEL"], string> = {
  debug: "debug",
  info: "info",
  warn: "warn",
  error: "error",
};

export function harakaSettings(env: Env = loadEnv()): Record<string, unknown> {
  const tls = tlsFiles(env);
  return {
    "smtp.ini": {
      main: {
        listen: `${env.SMTP_HOST.includes(":") ? `[${env.SMTP_HOST}]` : env.SMTP_HOST}:${env.SMTP_PORT}`,
        // SMTP_WORKERS > 1: Haraka's cluster mode, that many worker processes sharing the listener (the primary
        // only supervises them and runs the periodic jobs, server/mta/background-jobs.ts); 1: one process.
        nodes: env.SMTP_WORKERS > 1 ? env.SMTP_WORKERS : 0,
        daemonize: false,
        graceful_shutdown: false,
        inactivity_timeout: 300,
        force_shutdown_timeout: 30,
        // No implicit-TLS listener: -1 matches no port (0, an OS-assigned port in tests, would otherwise mean SMTPS).
        smtps_port: -1,
      },
    },
    "connection.ini": {
      // A message over 1 MiB is spooled to DATA_DIR/spool while it arrives instead of held in memory as well as
      // in the copy ingestion reads (issue 19 item 13); Haraka deletes the file when the transaction ends.
      main: { strict_rfc1869: false, postel: false, smtputf8: true, spool_after: SPOOL_AFTER, spool_dir: spoolDir(env) },
      haproxy: { hosts: [] },
      // The stored source must be byte-for-byte what the sender sent (R-IN-7): Haraka rewriting the header block
      // (its own Received line, stripping Authentication-Results) would re-serialise every header. Trace data is
      // in the activity log instead, and incoming Authentication-Results are never trusted (mailauth verifies).
      headers: { add_received: false, show_version: false, clean_auth_results: false, max_lines: 1000, max_received: 100 },
      // data_line_length: Haraka "fixes" longer DATA lines by inserting CRLF+space, which changes the stored
      // source and breaks DKIM body hashes of real mail (HTML on one line is common). 1 MiB keeps the
      // re-scan of an unterminated line bounded while leaving any line a real message has untouched.
      max: { bytes: env.SMTP_MAX_SIZE, mime_parts: 1000, line_length: 512, data_line_length: 1024 * 1024 },
      message: { helo: "OpsMerge mail gateway", close: "closing connection" },
      uuid: { banner_chars: 6, deny_chars: 0 },
    },
    "tls.ini": {
      main: { key: tls.key, cert: tls.cert, dhparam: tls.dhparam, requestCert: false, rejectUnauthorized: false, honorCipherOrder: true },
      redis: { disable_for_failed_hosts: false },
      no_tls_hosts: {},
    },
    "log.ini": { main: { level: HARAKA_LOG_LEVEL[env.LOG_LEVEL], timestamps: true, format: "default" } },
    queue_dir: path.join(env.DATA_DIR, "haraka-queue"),
  };
}
