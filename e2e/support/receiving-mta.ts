/**
 * What the instance under test delivered. Each instance sends all outbound mail through OUTBOUND_RELAY to its own
 * receiving MTA (e2e/support/receiving-mta-process.ts, started by playwright.config.ts); this reads that receiver's
 * loopback control endpoint. The receiver is shared by every spec of the instance: find your message by something
 * unique to the spec (a subject with a run id, a recipient), never clear it.
 *
 *   const mail = await waitForDelivered(testInfo.project.name, (m) => m.recipients.includes("alice@x.test"));
 *   mail.parsed.headers.get("reply-to"); mail.raw.toString();
 */
import { simpleParser, type ParsedMail } from "mailparser";
import { instanceNamed, type Instance } from "./instances";

export type DeliveredMail = {
  envelopeFrom: string;
  recipients: string[];
  /** The session was upgraded with STARTTLS. */
  secure: boolean;
  at: Date;
  /** The bytes as received. */
  raw: Buffer;
  parsed: ParsedMail;
};

/**
 * The receiving MTA's ports, derived from the instance's web port (which carries E2E_PORT_SHIFT and the instance's
 * offset): web 3101+n → SMTP 2641+n, control 2651+n.
 */
export function receivingMtaPortsFor(instance: Instance): { smtp: number; control: number } {
  const n = instance.port - 3101;
  return { smtp: 2641 + n, control: 2651 + n };
}

function controlUrl(projectName: string): string {
  return `http://127.0.0.1:${receivingMtaPortsFor(instanceNamed(projectName)).control}/messages`;
}

/** Every message the instance has delivered so far, oldest first. */
export async function deliveredMail(projectName: string): Promise<DeliveredMail[]> {
  const res = await fetch(controlUrl(projectName));
  if (!res.ok) throw new Error(`e2e receiving MTA: ${res.status} ${await res.text()}`);
  const list = (await res.json()) as { envelopeFrom: string; recipients: string[]; secure: boolean; at: string; raw: string }[];
  return Promise.all(
    list.map(async (m) => {
      const raw = Buffer.from(m.raw, "base64");
      return { envelopeFrom: m.envelopeFrom, recipients: m.recipients, secure: m.secure, at: new Date(m.at), raw, parsed: await simpleParser(raw) };
    }),
  );
}

/** The first delivered message matching, waiting up to timeoutMs (the outbound worker looks at its queue every second). */
export async function waitForDelivered(
  projectName: string,
  match: (m: DeliveredMail) => boolean,
  timeoutMs = 20_000,
): Promise<DeliveredMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await deliveredMail(projectName)).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching message delivered to the e2e receiving MTA within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
