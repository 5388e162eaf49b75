/**
 * Issue 15 item 8: the MTA reads report files (unpack and parse, read-report-file.ts) on a worker thread of its
 * own, so that no SMTP session waits while a 20 MB report is decompressed, decoded and parsed. Slicing the work
 * on the event loop was not enough: joining zlib's output into one buffer and decoding it into one string are
 * single steps of tens of milliseconds each for a 20 MB report, and the whole read took about a fifth of the MTA's
 * event loop while large reports kept coming (measured with a CPU profile of the large-mail row of `npm run bench
 * inbound`). Storing stays on the caller's database client: the thread has none.
 *
 * The thread starts with the first file and ends after `idleMs` without one, so an MTA that receives no reports
 * holds no second heap. Should it fail or exit, its read fails like any other (the report job retries the file,
 * then gives up) and the next read starts a new thread. Its memory is bounded by the reader's own limits
 * (MAX_XML_BYTES, MAX_REPORT_RECORDS), not by a heap limit of its own: when a single allocation crosses a worker's
 * `resourceLimits`, V8 ends the whole process, not the thread (tried: a 30 MB report in a 16 MB heap).
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { ReadReport } from "./read-report-file";

/**
 * Plain CommonJS that registers tsx's loader for this thread only and then loads read-report-file.ts: the same
 * code on every path that starts the thread (the MTA under tsx, vitest, the bench). The paths are resolved by the
 * caller: the worker's own resolution would start from the process's working directory.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
require(workerData.tsx).register();
const { readReportFile } = require(workerData.reader);
parentPort.on("message", ({ id, bytes }) => {
  readReportFile(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).then(
    (read) => parentPort.postMessage({ id, read }),
    (err) => parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) }),
  );
});
`;

type Reply = { id: number; read: ReadReport } | { id: number; error: string };
type Pending = { resolve: (read: ReadReport) => void; reject: (err: Error) => void };

export type ReportReaderOptions = {
  /** The thread ends after this long without a file to read. */
  idleMs?: number;
};

export class ReportReaderThread {
  #worker: Worker | null = null;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #idleTimer: NodeJS.Timeout | undefined;
  readonly #idleMs: number;

  constructor(options: ReportReaderOptions = {}) {
    this.#idleMs = options.idleMs ?? 30_000;
  }

  /** readReportFile's answer, read on the thread. Rejects only when the thread failed (crashed, out of memory). */
  read = (bytes: Uint8Array): Promise<ReadReport> => {
    clearTimeout(this.#idleTimer);
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise<ReadReport>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, bytes });
    });
  };

  /** Whether the thread is running (it ends when idle). */
  get running(): boolean {
    return this.#worker !== null;
  }

  /** Ends the thread; reads still in progress fail. */
  async stop(): Promise<void> {
    clearTimeout(this.#idleTimer);
    const worker = this.#worker;
    if (!worker) return;
    this.#forget(worker, new Error("the report reader was stopped"));
    await worker.terminate();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const require = createRequire(import.meta.url);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // Not the parent's flags: the thread registers its own loader, once.
      execArgv: [],
      workerData: { tsx: require.resolve("tsx/cjs/api"), reader: require.resolve("./read-report-file.ts") },
    });
    worker.on("message", (reply: Reply) => this.#settle(worker, reply));
    worker.on("error", (err) => this.#forget(worker, new Error(`the report reader thread failed: ${err.message}`)));
    worker.on("exit", (code) => this.#forget(worker, new Error(`the report reader thread exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }

  #settle(worker: Worker, reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if ("error" in reply) pending.reject(new Error(reply.error));
    else pending.resolve(reply.read);
    if (this.#pending.size === 0 && this.#worker === worker) {
      // Idle: it must not keep the process alive, and it ends after a while.
      worker.unref();
      this.#idleTimer = setTimeout(() => void this.stop(), this.#idleMs);
      this.#idleTimer.unref();
    }
  }

  /** The thread is gone (or going): what it was reading fails, and the next read starts a new one. */
  #forget(worker: Worker, err: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(err);
  }
}
