/**
 * A TCP forwarder the fault tests put between the product and PostgreSQL, so "the database is down" can be staged
 * without touching the shared server. `cut()` resets every open connection and resets new ones at once (what a
 * client sees when the server is gone); `restore()` forwards again. The listening socket stays bound throughout,
 * so its port cannot be taken by another process in between (re-listening on a busy machine can hit EADDRINUSE).
 */
import { connect, createServer, type Socket } from "node:net";

export type CuttableProxy = { port: number; cut(): void; restore(): void; close(): Promise<void> };

export async function startCuttableProxy(target: { host: string; port: number }): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  let down = false;
  const server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as { port: number };
  const cutAll = () => {
    for (const s of sockets) s.resetAndDestroy();
    sockets.clear();
  };
  return {
    port,
    cut() {
      down = true;
      cutAll();
    },
    restore() {
      down = false;
    },
    async close() {
      cutAll();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The PostgreSQL URL rewritten to reach the server through a new cuttable proxy, and that proxy. */
export async function proxiedPostgresUrl(url: string): Promise<{ url: string; proxy: CuttableProxy }> {
  const u = new URL(url);
  const proxy = await startCuttableProxy({ host: u.hostname, port: Number(u.port || 5432) });
  u.host = `127.0.0.1:${proxy.port}`;
  return { url: u.toString(), proxy };
}
