/**
 * The web app's HTTP server: Next.js (production build, or `next dev` with --dev) behind a plain Node listener
 * that resolves each request's client address once (server/auth/client-ip.ts, TRUSTED_PROXIES) and hands it
 * on in CLIENT_IP_HEADER, replacing any value a client sent under that name. `next start` cannot do this: it
 * keeps a client's own X-Forwarded-For and drops the socket address, so the sign-in limit could be dodged.
 *
 *   node --import tsx scripts/web-server.ts [--dev]      (scripts/start.ts runs it)
 */
import { createServer } from "node:http";
import path from "node:path";
import next from "next";
import { CLIENT_IP_HEADER, resolveClientIp, trustedProxyList } from "../server/auth/client-ip";
import { protectDataDir, sqliteFileOf } from "../server/data-dir/protect-data-dir";
import { loadEnv } from "../server/env";

const root = path.resolve(import.meta.dirname, "..");
const dev = process.argv.includes("--dev");
const env = loadEnv();
protectDataDir(env.DATA_DIR, sqliteFileOf(env.database));
const trusted = trustedProxyList(env.TRUSTED_PROXIES);

const app = next({ dev, dir: root, hostname: env.HOST, port: env.PORT });
const handle = app.getRequestHandler();

await app.prepare();
const server = createServer((req, res) => {
  req.headers[CLIENT_IP_HEADER] = resolveClientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], trusted);
  handle(req, res).catch((err: unknown) => {
    console.error("request failed:", err);
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
});
if (dev) {
  const upgrade = app.getUpgradeHandler();
  server.on("upgrade", (req, socket, head) => void upgrade(req, socket, head));
}
server.listen(env.PORT, env.HOST, () => console.log(`web listening on http://${env.HOST}:${env.PORT}`));
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close();
    void app.close().finally(() => process.exit(0));
  });
}
