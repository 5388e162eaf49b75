/**
 * SQLite WAL checkpoints on a thread of their own, for the MTA's connection (DbOptions.backgroundCheckpoints).
 *
 * Why: with SQLite's automatic checkpoints, the commit that takes the WAL over the threshold copies every page
 * of the WAL into the database file and syncs it, on the committing connection: in the MTA that is the event
 * loop, about 20 ms every 90 inbound messages, while every SMTP session waits (measured in `npm run bench
 * inbound`: the p99 of receipt→commit). A checkpoint needs no write lock (writers go on appending to the WAL
 * while it runs), so a second connection on a worker thread can do it next to the event loop instead.
 *
 * The worker runs a PASSIVE checkpoint every `intervalMs`: it copies what no reader still needs and never waits
 * for a lock or blocks a writer. The main connection keeps a far higher automatic threshold as a safety net, so
 * the WAL stays bounded even if the worker is gone; when the worker fails, `onFailure` is told (and the caller
 * puts the usual threshold back).
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

export type CheckpointResult = { busy: number; log: number; checkpointed: number };

export type WalCheckpointer = {
  /** The last checkpoint that copied pages, if any: what the WAL held, and how much of it is now in the file. */
  readonly last: CheckpointResult | undefined;
  /** Ends the worker and closes its connection. */
  stop(): Promise<void>;
};

/**
 * Plain CommonJS for the worker, so it runs without a TypeScript loader in every process that may start it
 * (Haraka's plugins, tsx, vitest). The driver's path is resolved by the caller: the worker's own resolution
 * would start from the process's working directory.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true, timeout: 0 });
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
let last = -1;
const timer = setInterval(() => {
  const result = checkpoint.get();
  if (result.checkpointed > 0 && result.checkpointed !== last) parentPort.postMessage(result);
  last = result.checkpointed;
}, workerData.intervalMs);
parentPort.once("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

const driverPath = (): string => createRequire(import.meta.url).resolve("better-sqlite3");

export function startWalCheckpointer(
  file: string,
  options: { intervalMs: number; onFailure: (err: Error) => void },
): WalCheckpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, driver: driverPath(), intervalMs: options.intervalMs },
    // Its own small heap: it holds one prepared statement.
    resourceLimits: { maxOldGenerationSizeMb: 32 },
  });
  // It never keeps the process alive: an MTA that ends its work ends, and the last connection closed checkpoints.
  worker.unref();
  let last: CheckpointResult | undefined;
  let stopping = false;
  let failed = false;
  const fail = (err: Error) => {
    if (stopping || failed) return;
    failed = true;
    options.onFailure(err);
  };
  worker.on("message", (result: CheckpointResult) => {
    last = result;
  });
  worker.on("error", fail);
  worker.on("exit", (code) => {
    if (code !== 0) fail(new Error(`the WAL checkpoint worker exited with code ${code}`));
  });
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    get last() {
      return last;
    },
    async stop() {
      if (stopping) return exited;
      stopping = true;
      worker.postMessage("stop");
      return exited;
    },
  };
}
