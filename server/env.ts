/**
 * Every environment variable the gateway reads, validated once. The README lists them with these defaults.
 * Both processes (web and Haraka) call `loadEnv()`; nothing else reads process.env directly.
 */
import { z } from "zod";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import path from "node:path";

const hostPort = z
  .string()
  .regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, "expected host:port");

const hostPortList = z
  .string()
  .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(hostPort));

const port = z.coerce.number().int().min(0).max(65535);

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Unset → SQLite file under DATA_DIR; `file:…` → that SQLite file; `postgresql://…` → PostgreSQL. */
  DATABASE_URL: z
    .string()
    .refine((s) => /^(file:|postgres(ql)?:\/\/)/.test(s), "DATABASE_URL must start with file: or postgresql://")
    .optional(),
  DATA_DIR: z.string().default("data"),
  PORT: port.default(3000),
  HOST: z.string().default("0.0.0.0"),
  /** Public URL of the web app (login cookies, links in mail). */
  APP_URL: z.url().optional(),
  SMTP_PORT: port.default(2525),
  SMTP_HOST: z.string().default("0.0.0.0"),
  /** The port the MTA's health endpoint listens on (loopback only). */
  MTA_HEALTH_PORT: port.default(2526),
  /**
   * Which roles run on this node: `all` (web and MTA, plain `npm start`), `web` (`--web-only`) or `mta`
   * (`--mta-only`); the flags set it. On a `web` node /api/health does not probe an MTA on this host.
   */
  NODE_ROLE: z.enum(["all", "web", "mta"]).default("all"),
  INBOUND_DOMAIN: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, "a lower-case domain name")
    .default("in.localhost"),
  /**
   * The MX host(s) listed in every tenant's MTA-STS policy (R-STS-1): comma-separated host names or `*.`
   * wildcards, matching the MX records of `<slug>.<INBOUND_DOMAIN>`. Unset → `mx.<INBOUND_DOMAIN>`.
   */
  MTA_STS_MX: z
    .string()
    .transform((s) => s.split(",").map((x) => x.trim().toLowerCase().replace(/\.$/, "")).filter(Boolean))
    .pipe(
      z
        .array(z.string().regex(/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, "host names or *.wildcards, comma-separated"))
        .min(1, "at least one MX host"),
    )
    .optional(),
  /** Server secret for address tokens, session signing and the DKIM key encryption key. */
  APP_SECRET: z.string().min(32, "APP_SECRET must be at least 32 characters").optional(),
  /** Resolver for SPF/DKIM/DMARC/MX/MTA-STS look-ups; unset → the system resolver. */
  DNS_SERVERS: hostPortList.optional(),
  /** How long inbound authentication reuses a DNS answer (server/dns/resolver.ts cachingResolver); 0 = never. */
  DNS_CACHE_SECONDS: z.coerce.number().int().min(0).max(3_600).default(60),
  /** Send all outbound mail to this host instead of looking up MX records. */
  OUTBOUND_RELAY: hostPort.optional(),
  /** `off`: this MTA node only receives; another node's worker delivers the outbound queue. */
  OUTBOUND_DELIVERY: z.enum(["on", "off"]).default("on"),
  /** The port MX hosts are reached on (25; tests point it at a local receiver). */
  OUTBOUND_SMTP_PORT: port.default(25),
  /** The name this node gives in EHLO; default the machine's host name. */
  OUTBOUND_HELO: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, "expected a host name").optional(),
  /** Deliveries in flight at once on this node. */
  OUTBOUND_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
  /** Waits after the 1st, 2nd, … failed attempt, in seconds (the last repeats). */
  OUTBOUND_RETRY_SCHEDULE: z
    .string()
    .transform((s) => s.split(",").map((x) => Number(x.trim())))
    .pipe(z.array(z.number().positive().max(7 * 24 * 3600)).min(1))
    .optional(),
  /** How long a claim on a job holds without being renewed (the worker renews it while delivering). */
  OUTBOUND_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(120),
  /**
   * SMTP processes of this MTA node (Haraka's cluster mode): the primary forks this many workers that share the
   * SMTP port; `1` runs everything in one process. Default: the number of CPUs.
   */
  SMTP_WORKERS: z.coerce.number().int().min(1).max(256).default(availableParallelism()),
  /**
   * First run and interval, in seconds, of the MTA's periodic jobs (sending-domain re-check, activity purge), for
   * tests; unset → 30 s then every 10 minutes (re-check) and 1 minute then hourly (purge).
   */
  PERIODIC_JOB_SECONDS: z.coerce.number().positive().max(86_400).optional(),
  SMTP_MAX_SIZE: z.coerce.number().int().positive().default(25 * 1024 * 1024),
  SMTP_MAX_RECIPIENTS: z.coerce.number().int().positive().default(50),
  SMTP_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().positive().default(20),
  /** Large messages (LARGE_MESSAGE_BYTES or more) received, parsed and stored at once per MTA node; more get a 4xx. */
  LARGE_MESSAGE_SLOTS: z.coerce.number().int().min(1).max(1000).default(2),
  LARGE_MESSAGE_BYTES: z.coerce.number().int().positive().default(5 * 1024 * 1024),
  SMTP_TLS_CERT: z.string().optional(),
  SMTP_TLS_KEY: z.string().optional(),
  /** ARC sealers whose earlier DMARC pass overrides a forwarding failure (R-IN-3). */
  TRUSTED_ARC_SEALERS: z
    .string()
    .default("microsoft.com,google.com")
    .transform((s) => s.split(",").map((x) => x.trim().toLowerCase()).filter(Boolean)),
  /**
   * The gateway's own DKIM key for INBOUND_DOMAIN (R-UX-1): PEM text (`\n` escapes allowed) or a PEM file's path.
   * Unset → generated once into DATA_DIR/gateway-dkim.pem. Set it on every node of a multi-node deployment.
   */
  GATEWAY_DKIM_KEY: z.string().min(1).optional(),
  /** The selector of the gateway's DKIM key: the record is `<selector>._domainkey.<INBOUND_DOMAIN>`. */
  GATEWAY_DKIM_SELECTOR: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "a lower-case DNS label")
    .default("gateway"),
  /** What the SPF record of a sending domain must authorise: an include domain or ip4:/ip6: terms. */
  SPF_INCLUDE: z.string().default("_spf.opsmerge.localhost"),
  /**
   * Proxies in front of the web app (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For is
   * believed (server/auth/client-ip.ts). Unset → the socket's peer is the client and the header is ignored.
   */
  TRUSTED_PROXIES: z
    .string()
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
    .pipe(
      z.array(
        z
          .string()
          .refine(
            (entry) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry) && isIP(entry.split("/")[0]!) !== 0,
            "IP addresses or CIDR ranges, comma-separated",
          ),
      ),
    )
    .default([]),
  SEED_ADMIN_PASSWORD: z.string().min(10, "SEED_ADMIN_PASSWORD must be at least 10 characters").optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export type Env = z.infer<typeof envSchema> & {
  APP_SECRET: string;
  MTA_STS_MX: string[];
  APP_URL: string;
  /** The resolved database: its provider and its URL (a file: URL for SQLite). */
  database: { provider: "sqlite" | "postgresql"; url: string };
};

let cached: Env | undefined;

/** Parses process.env (or the given record) and fills in what can be derived. Throws a readable error. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  if (cached && source === process.env) return cached;
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid environment:\n${lines}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const database = databaseFrom(e.DATABASE_URL, dataDir);
  const env: Env = {
    ...e,
    DATA_DIR: dataDir,
    APP_SECRET: e.APP_SECRET ?? localSecret(dataDir),
    APP_URL: e.APP_URL ?? `http://localhost:${e.PORT}`,
    MTA_STS_MX: e.MTA_STS_MX ?? [`mx.${e.INBOUND_DOMAIN}`],
    database,
  };
  if (source === process.env) cached = env;
  return env;
}

function databaseFrom(url: string | undefined, dataDir: string): Env["database"] {
  if (url && /^postgres(ql)?:\/\//.test(url)) return { provider: "postgresql", url };
  if (url) {
    const file = url.slice("file:".length);
    return { provider: "sqlite", url: `file:${path.resolve(file)}` };
  }
  return { provider: "sqlite", url: `file:${path.join(dataDir, "opsmerge.db")}` };
}

/**
 * A missing APP_SECRET is generated once and kept in DATA_DIR (mode 0600), so a fresh clone runs with one
 * command and both processes share it. Deployments with several nodes must set it: every node needs the same
 * secret, and a secret that changes invalidates every reply address and makes stored DKIM keys unreadable.
 */
function localSecret(dataDir: string): string {
  const file = path.join(dataDir, "app-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString("base64url");
  try {
    writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
  } catch {
    // Another process wrote it first: use theirs.
    return readFileSync(file, "utf8").trim();
  }
  return secret;
}

/** For tests: forget the cached environment after changing process.env. */
export function resetEnvCache(): void {
  cached = undefined;
}
