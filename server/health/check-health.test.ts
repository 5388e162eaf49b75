import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/database";
import { createDb } from "../db/client";
import { checkHealth, MTA_NOT_ON_THIS_NODE } from "./check-health";

function listen(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer(onConnection);
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

describe("health check (issue 2: GET /api/health reports database and MTA)", () => {
  let t: TestDatabase;
  const servers: Server[] = [];

  beforeAll(async () => {
    t = await createTestDatabase("sqlite");
  });
  afterAll(async () => {
    for (const s of servers) s.close();
    await t.drop();
  });

  it("is ok with a database and an MTA that greets with 220", async () => {
    const { server, port } = await listen((socket) => socket.write("220-mx.test ESMTP\r\n220 ready\r\n"));
    servers.push(server);
    expect(await checkHealth(t.db, { provider: "sqlite", smtpPort: port })).toEqual({
      status: "ok",
      database: { ok: true, provider: "sqlite" },
      mta: { ok: true, port },
    });
  });

  it("is degraded when nothing listens on the SMTP port", async () => {
    const { server, port } = await listen(() => undefined);
    await new Promise((r) => server.close(r));
    const report = await checkHealth(t.db, { provider: "sqlite", smtpPort: port });
    expect(report.status).toBe("degraded");
    expect(report.mta).toMatchObject({ ok: false, port });
    expect(report.mta.error).toMatch(/ECONNREFUSED/);
  });

  it("is degraded when the MTA answers something other than 220, or nothing in time", async () => {
    const busy = await listen((socket) => socket.end("421 too busy\r\n"));
    const silent = await listen(() => undefined);
    servers.push(busy.server, silent.server);
    expect((await checkHealth(t.db, { provider: "sqlite", smtpPort: busy.port })).mta.error).toMatch(/421/);
    expect((await checkHealth(t.db, { provider: "sqlite", smtpPort: silent.port, timeoutMs: 200 })).mta.error).toMatch(/no SMTP greeting/);
  });

  it("on a web-only node (NODE_ROLE=web) the MTA is not probed: not on this node, not a failure", async () => {
    // Nothing listens on the port: a probe would fail.
    const { server, port } = await listen(() => undefined);
    await new Promise((r) => server.close(r));
    expect(await checkHealth(t.db, { provider: "sqlite", smtpPort: port, mtaOnThisNode: false })).toEqual({
      status: "ok",
      database: { ok: true, provider: "sqlite" },
      mta: { ok: true, port, onThisNode: false, detail: MTA_NOT_ON_THIS_NODE },
    });
    const broken = createDb({ provider: "sqlite", url: "file:/nonexistent-dir/x/y.db" });
    expect((await checkHealth(broken, { provider: "sqlite", smtpPort: port, mtaOnThisNode: false })).status).toBe("degraded");
  });

  it("is degraded when the database cannot be opened", async () => {
    const { server, port } = await listen((socket) => socket.write("220 ready\r\n"));
    servers.push(server);
    const broken = createDb({ provider: "sqlite", url: "file:/nonexistent-dir/x/y.db" });
    const report = await checkHealth(broken, { provider: "sqlite", smtpPort: port });
    expect(report.status).toBe("degraded");
    expect(report.database.ok).toBe(false);
    expect(report.database.error).toBeTruthy();
  });
});
