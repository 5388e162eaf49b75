/**
 * The MTA node's /metrics listener (R-HEALTH-5): plain HTTP on MTA_METRICS_HOST:MTA_METRICS_PORT (loopback,
 * 2527 by default; port 0 picks a free one). It prints `OPSMERGE_MTA_METRICS <host>:<port>` once listening. A port
 * that is taken is logged and the MTA runs on without metrics: mail matters more than its numbers. In an MTA
 * cluster (SMTP_WORKERS > 1) the primary listens and sums its workers' counters; a worker does not listen.
 */
import { createServer } from "node:http";
import type { Db } from "../db/client";
import type { BackgroundJob } from "../jobs/periodic-job";
import { answerClusterScrapes, renderMetrics, useMetricsDatabase } from "./metrics";

export type MetricsListenerOptions = {
  host: string;
  port: number;
  /** background-jobs.ts's process role: "worker" answers its primary only, "primary" sums its workers. */
  role?: "single" | "primary" | "worker";
  log: (level: "info" | "warn", line: string) => void;
};

export function startMetricsListener(db: Db, options: MetricsListenerOptions): BackgroundJob {
  useMetricsDatabase(db);
  if (options.role === "worker") {
    answerClusterScrapes();
    return { stop: async () => {} };
  }
  const cluster = options.role === "primary";
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    renderMetrics({ cluster }).then(
      ({ body, contentType }) => res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" }).end(body),
      (err: unknown) => {
        options.log("warn", `metrics: scrape failed: ${err instanceof Error ? err.message : String(err)}`);
        res.writeHead(503, { "content-type": "text/plain" }).end("metrics unavailable\n");
      },
    );
  });
  server.on("error", (err) => options.log("warn", `metrics: cannot listen on ${options.host}:${options.port} (${err.message}); running without /metrics`));
  server.listen(options.port, options.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : options.port;
    console.log(`OPSMERGE_MTA_METRICS ${options.host}:${port}`);
  });
  server.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
