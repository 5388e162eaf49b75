/**
 * The web process's one database client and one better-auth instance (STYLE: one client per process). Kept on
 * globalThis so `next dev` hot reloads do not open a new pool on every edit.
 */
import "server-only";
import { createDb, type Db } from "../db/client";
import { loadEnv } from "../env";
import { createAuth, type Auth } from "./create-auth";

type WebGlobals = { opsmergeDb?: Db; opsmergeAuth?: Auth };
const globals = globalThis as typeof globalThis & WebGlobals;

export function getDb(): Db {
  globals.opsmergeDb ??= createDb(loadEnv().database, { beginImmediate: true });
  return globals.opsmergeDb;
}

export function getAuth(): Auth {
  if (!globals.opsmergeAuth) {
    const env = loadEnv();
    globals.opsmergeAuth = createAuth(getDb(), {
      database: env.database,
      appUrl: env.APP_URL,
      secret: env.APP_SECRET,
      inboundDomain: env.INBOUND_DOMAIN,
    });
  }
  return globals.opsmergeAuth;
}
