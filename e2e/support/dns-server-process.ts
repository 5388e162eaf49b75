/**
 * The e2e DNS server: one per product instance, started by Playwright as a webServer entry (playwright.config.ts)
 * and given to the instance as DNS_SERVERS, so everything the product looks up (SPF/DKIM/DMARC of inbound mail,
 * sending-domain verification, MX) is answered by records the tests publish. Unknown names are NXDOMAIN.
 *
 *   E2E_DNS_PORT          UDP + TCP port of the DNS server (127.0.0.1)
 *   E2E_DNS_CONTROL_PORT  loopback HTTP control endpoint used by e2e/support/dns-control.ts:
 *                           GET    /health          → 200 "ok" (Playwright waits for it)
 *                           PUT    /records/<name>  body: TestRecord[] as JSON → replaces the records at <name>
 *                           DELETE /records/<name>  → removes every record at <name>
 *                           GET    /queries         → the names looked up so far, as JSON
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { startDnsServer, type TestRecord } from "../../test/support/dns-server";

const dnsPort = Number(process.env.E2E_DNS_PORT);
const controlPort = Number(process.env.E2E_DNS_CONTROL_PORT);
if (!dnsPort || !controlPort) {
  console.error("[e2e-dns] E2E_DNS_PORT and E2E_DNS_CONTROL_PORT are required");
  process.exit(1);
}

const TYPES = new Set(["A", "AAAA", "MX", "TXT", "CNAME", "PTR"]);

function validRecords(body: unknown): body is TestRecord[] {
  return Array.isArray(body) && body.every((r) => typeof r === "object" && r !== null && TYPES.has((r as { type?: string }).type ?? ""));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const dns = await startDnsServer({}, { port: dnsPort });

const control = createServer((req: IncomingMessage, res: ServerResponse) => {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  void (async () => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "GET" && url.pathname === "/health") return reply(200, "ok");
    if (req.method === "GET" && url.pathname === "/queries") return reply(200, dns.queries);
    const m = /^\/records\/([^/]+)$/.exec(url.pathname);
    if (!m) return reply(404, { error: "not found" });
    const name = decodeURIComponent(m[1]!);
    if (req.method === "DELETE") {
      dns.remove(name);
      return reply(200, { removed: name });
    }
    if (req.method === "PUT") {
      const body: unknown = JSON.parse(await readBody(req));
      if (!validRecords(body)) return reply(400, { error: "expected an array of records with a type of A, AAAA, MX, TXT, CNAME or PTR" });
      dns.set(name, body);
      return reply(200, { name, records: body.length });
    }
    return reply(405, { error: "method not allowed" });
  })().catch((err: unknown) => reply(400, { error: err instanceof Error ? err.message : String(err) }));
});
control.listen(controlPort, "127.0.0.1", () => {
  console.log(`[e2e-dns] DNS on ${dns.address}, control on http://127.0.0.1:${controlPort}`);
});

const stop = () => {
  control.close();
  void dns.close().finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
