/**
 * The e2e receiving MTA: one per product instance, started by Playwright as a webServer entry (playwright.config.ts)
 * and given to the instance as OUTBOUND_RELAY, so every message the instance delivers (ticket replies,
 * auto-acknowledgements) lands here instead of on the internet. It accepts everything (STARTTLS offered, as a real
 * receiver would) and keeps what it received for the specs (e2e/support/receiving-mta.ts).
 *
 *   E2E_MTA_PORT          SMTP port (127.0.0.1)
 *   E2E_MTA_CONTROL_PORT  loopback HTTP control endpoint:
 *                           GET    /health    → 200 "ok" (Playwright waits for it)
 *                           GET    /messages  → every message received so far, oldest first:
 *                                               [{ envelopeFrom, recipients, secure, at, raw (base64) }]
 *                         Nothing clears them: specs share the receiver, so they match their own mail.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { startSmtpReceiver } from "../../test/support/smtp-receiver";

const smtpPort = Number(process.env.E2E_MTA_PORT);
const controlPort = Number(process.env.E2E_MTA_CONTROL_PORT);
if (!smtpPort || !controlPort) {
  console.error("[e2e-mta] E2E_MTA_PORT and E2E_MTA_CONTROL_PORT are required");
  process.exit(1);
}

const receiver = await startSmtpReceiver({}, { port: smtpPort });

const control = createServer((req: IncomingMessage, res: ServerResponse) => {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  if (req.method === "GET" && url.pathname === "/health") return reply(200, "ok");
  if (url.pathname !== "/messages") return reply(404, { error: "not found" });
  if (req.method === "GET") {
    return reply(
      200,
      receiver.messages.map((m) => ({
        envelopeFrom: m.envelopeFrom,
        recipients: m.recipients,
        secure: m.secure,
        at: m.at.toISOString(),
        raw: m.raw.toString("base64"),
      })),
    );
  }
  return reply(405, { error: "method not allowed" });
});
control.listen(controlPort, "127.0.0.1", () => {
  console.log(`[e2e-mta] SMTP on ${receiver.address}, control on http://127.0.0.1:${controlPort}`);
});

const stop = () => {
  control.close();
  void receiver.close().finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
