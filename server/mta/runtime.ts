/**
 * The MTA process's shared state: one database client, one DNS resolver and the connection limiter, opened once
 * per process (the lifecycle plugin calls openMta in init_master / init_child and closeMta on shutdown).
 * Messages being ingested are tracked so shutdown waits for their commit before closing the client.
 */
import { createDb, type Db, type DbOptions } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { cachingResolver, createResolver, type Resolver } from "../dns/resolver";
import { loadEnv, type Env } from "../env";
import { gatewayDkimFromEnv, type GatewayDkim } from "../sending-domains/gateway-dkim";
import { ConnectionLimiter } from "./connection-limits";
import { LargeMessageSlots } from "./large-message-slots";

export type MtaRuntime = {
  env: Env;
  db: Db;
  resolver: Resolver;
  /** The resolver inbound authentication uses: `resolver` behind a short cache (DNS_CACHE_SECONDS). */
  authResolver: Resolver;
  limiter: ConnectionLimiter;
  largeMessages: LargeMessageSlots;
  /** The gateway's DKIM key (GATEWAY_DKIM_KEY, or generated into DATA_DIR): an unreadable key stops the start. */
  gatewayDkim: GatewayDkim;
};

/**
 * SQLite: how long a write waits for the web process's lock before the SMTP answer becomes 451. Shorter than the
 * web's default so a stuck lock turns into a retry for the sender instead of a hung SMTP session.
 */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** PostgreSQL pool of this process; the web process has its own (size both against max_connections). */
const POSTGRES_POOL_SIZE = 10;
/** Migrations are retried at most this often while the database is unreachable. */
const SCHEMA_RETRY_MS = 2_000;

/** How the MTA opens its database (server/db/client.ts); the benches open theirs the same way. */
export const MTA_DB_OPTIONS: DbOptions = {
  poolSize: POSTGRES_POOL_SIZE,
  busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS,
  isolateTransactions: true,
  backgroundCheckpoints: true,
};

let runtime: MtaRuntime | undefined;
let schemaReady = false;
let schemaAttempt: Promise<void> | undefined;
let lastSchemaAttemptAt = 0;
const inflight = new Set<Promise<unknown>>();

export function openMta(): MtaRuntime {
  if (runtime) return runtime;
  const env = loadEnv();
  const resolver = createResolver({ servers: env.DNS_SERVERS });
  runtime = {
    env,
    db: createDb(env.database, MTA_DB_OPTIONS),
    resolver,
    authResolver: env.DNS_CACHE_SECONDS
      ? cachingResolver(resolver, { ttlMs: env.DNS_CACHE_SECONDS * 1_000 })
      : resolver,
    limiter: new ConnectionLimiter(env.SMTP_MAX_CONNECTIONS_PER_IP),
    largeMessages: new LargeMessageSlots(env.LARGE_MESSAGE_SLOTS, env.LARGE_MESSAGE_BYTES),
    gatewayDkim: gatewayDkimFromEnv(env),
  };
  return runtime;
}

/** scripts/mta.ts applies migrations before Haraka starts; when that succeeded nothing is retried here. */
export function markSchemaReady(): void {
  schemaReady = true;
}

/**
 * The MTA starts even when the database is down (it answers 451 until it is back, so nothing is lost); the
 * migrations it could not apply at start are applied on the first request after the database returns.
 */
export async function ensureSchema(rt: MtaRuntime): Promise<void> {
  if (schemaReady) return;
  if (!schemaAttempt) {
    if (Date.now() - lastSchemaAttemptAt < SCHEMA_RETRY_MS) throw new Error("database schema not ready yet");
    lastSchemaAttemptAt = Date.now();
    schemaAttempt = applyMigrations(rt.env.database)
      .then(() => {
        schemaReady = true;
      })
      .finally(() => {
        schemaAttempt = undefined;
      });
  }
  await schemaAttempt;
}

/** Runs `work` as an in-flight ingestion that closeMta waits for. */
export function track<T>(work: Promise<T>): Promise<T> {
  inflight.add(work);
  const done = () => void inflight.delete(work);
  work.then(done, done);
  return work;
}

export async function closeMta(options: { timeoutMs?: number } = {}): Promise<void> {
  const rt = runtime;
  if (!rt) return;
  const pending = Promise.allSettled([...inflight]);
  await Promise.race([pending, new Promise((r) => setTimeout(r, options.timeoutMs ?? 10_000).unref())]);
  runtime = undefined;
  await rt.db.$disconnect();
}
