/**
 * The web process's one runtime (server/runtime.ts): one database client, one resolver (STYLE: one client per
 * process). Kept on globalThis so `next dev` hot reloads do not open a new pool on every edit.
 */
import "server-only";
import { createDb, type Db } from "../db/client";
import { processServices, type Runtime } from "../runtime";

type WebGlobals = { opsmergeRuntime?: Runtime };
const globals = globalThis as typeof globalThis & WebGlobals;

export function getWebRuntime(): Runtime {
  if (!globals.opsmergeRuntime) {
    const services = processServices();
    globals.opsmergeRuntime = { ...services, db: createDb(services.env.database, { beginImmediate: true }) };
  }
  return globals.opsmergeRuntime;
}

export function getDb(): Db {
  return getWebRuntime().db;
}
