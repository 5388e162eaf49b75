/**
 * What domain code needs from the process it runs in, built once per process: the database client, the validated
 * environment, the DNS resolver and the clock. The web process keeps one (server/web/runtime.ts) and hands it to
 * every tRPC procedure through the context, so routers never load the environment or build resolvers; the MTA's
 * (server/mta/runtime.ts) adds its SMTP state.
 */
import type { Db } from "./db/client";
import { createResolver, type Resolver } from "./dns/resolver";
import { loadEnv, type Env } from "./env";

export type Runtime = { db: Db; env: Env; resolver: Resolver; now: () => Date };

/** The runtime without its database client: what a tRPC context built around a given client takes. */
export type Services = Omit<Runtime, "db">;

const resolvers = new WeakMap<Env, Resolver>();

/**
 * The services of this process's current environment (loadEnv()), one resolver per environment: for callers
 * that were handed only a database client (tests, createCaller).
 */
export function processServices(): Services {
  const env = loadEnv();
  let resolver = resolvers.get(env);
  if (!resolver) resolvers.set(env, (resolver = createResolver({ servers: env.DNS_SERVERS })));
  return { env, resolver, now: () => new Date() };
}
