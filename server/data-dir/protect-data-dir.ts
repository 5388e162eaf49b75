/**
 * The data directory holds raw mail, personal data, password hashes, sessions, the app secret and private keys
 * (the SQLite database and its WAL/SHM files, `app-secret`, `tls/`): only the service user may read it (issue 19
 * item 8). Each process entry point (scripts/start.ts, scripts/mta.ts, scripts/web-server.ts) calls this
 * before it opens anything:
 *
 * - the umask becomes 077, so every file created later (the database, the WAL and SHM files SQLite creates on
 *   first write, a generated key or certificate, a temporary file) is 0600 and every directory 0700, whoever
 *   creates it;
 * - what already exists is tightened: directories 0700, files 0600 (an install made before this rule had a
 *   0755 directory and 0644 files). A SQLite database kept outside DATA_DIR gets the same for its files.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

function tighten(target: string): void {
  const stat = lstatSync(target);
  if (stat.isSymbolicLink()) return; // a link's target is someone else's to set
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(target, PRIVATE_DIR_MODE);
    for (const entry of readdirSync(target)) tighten(path.join(target, entry));
  } else if ((stat.mode & 0o777) !== PRIVATE_FILE_MODE) {
    chmodSync(target, PRIVATE_FILE_MODE);
  }
}

/** Sets the process umask to 077 and makes DATA_DIR (and a SQLite database outside it) private. */
export function protectDataDir(dataDir: string, sqliteFile?: string): void {
  process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tighten(dataDir);
  if (sqliteFile && path.relative(dataDir, sqliteFile).startsWith("..")) {
    for (const file of [sqliteFile, `${sqliteFile}-wal`, `${sqliteFile}-shm`, `${sqliteFile}-journal`]) {
      if (existsSync(file)) tighten(file);
    }
  }
}

/** The SQLite file of a database setting, if it is one. */
export function sqliteFileOf(database: { provider: string; url: string }): string | undefined {
  return database.provider === "sqlite" ? database.url.slice("file:".length) : undefined;
}
