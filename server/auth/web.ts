/**
 * The web process's one better-auth instance, on the web runtime's database client (server/web/runtime.ts).
 * Kept on globalThis so `next dev` hot reloads do not build a new one on every edit.
 */
import "server-only";
import { getWebRuntime } from "../web/runtime";
import { createAuth, type Auth } from "./create-auth";

type WebGlobals = { opsmergeAuth?: Auth };
const globals = globalThis as typeof globalThis & WebGlobals;

export function getAuth(): Auth {
  if (!globals.opsmergeAuth) {
    const { db, env } = getWebRuntime();
    globals.opsmergeAuth = createAuth(db, {
      database: env.database,
      appUrl: env.APP_URL,
      secret: env.APP_SECRET,
      inboundDomain: env.INBOUND_DOMAIN,
    });
  }
  return globals.opsmergeAuth;
}
