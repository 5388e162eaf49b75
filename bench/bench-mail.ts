/**
 * The mail the inbound benchmarks send: DKIM-signed plain-text messages from a client domain whose SPF, DKIM and
 * DMARC (p=reject, split TXT strings) a local test DNS server publishes, so the full authentication runs.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { dkimSignMessage } from "../server/outbound/dkim-sign";
import { splitTxt, type TestRecord } from "../test/support/dns-server";

export const benchSenderDomain = "bench-client.example";
const selector = "bench";
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const publicKeyB64 = publicKey.export({ type: "spki", format: "der" }).toString("base64");

/** What the test DNS server must publish for the bench sender to pass SPF, DKIM and DMARC. */
export const benchDnsRecords: Record<string, TestRecord[]> = {
  [benchSenderDomain]: [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }],
  [`${selector}._domainkey.${benchSenderDomain}`]: [{ type: "TXT", data: splitTxt(`v=DKIM1; k=rsa; p=${publicKeyB64}`) }],
  [`_dmarc.${benchSenderDomain}`]: [{ type: "TXT", data: ["v=DMARC1; p=reject; ", `rua=mailto:dmarc@${benchSenderDomain}`] }],
};

export type BenchMessage = { mailFrom: string; raw: Buffer };

/**
 * Distinct senders the messages cycle through. A helpdesk hears from many people, each a few times an hour, so
 * nearly every bench message opens a ticket (the path that writes the most). With 50 senders, as before, each
 * sent 18 of 900 messages within the hour and was folded by the per-sender new-ticket limit: the bench measured
 * appends to 350 tickets, not the ticket-creating path.
 */
const SENDERS = 5_000;

/** `count` signed messages to `rcptTo`, from up to SENDERS different senders, each with its own Message-ID (tagged `tag`). */
export async function benchMessages(count: number, rcptTo: string, tag: string): Promise<BenchMessage[]> {
  const out: BenchMessage[] = [];
  const first = Math.floor(Math.random() * SENDERS);
  for (let i = 0; i < count; i++) {
    const sender = (first + i) % SENDERS;
    const from = `user${sender}@${benchSenderDomain}`;
    const raw = Buffer.from(
      [
        `From: Bench User ${sender} <${from}>`,
        `To: <${rcptTo}>`,
        `Subject: Printer on floor ${i % 7} is jammed (${tag} ${i})`,
        `Message-ID: <${tag}.${i}.${randomBytes(6).toString("hex")}@${benchSenderDomain}>`,
        `Date: ${new Date().toUTCString()}`,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Hello support,",
        "",
        `The printer on floor ${i % 7} shows error E${i % 90} again since this morning. Could someone look?`,
        "",
        "Thanks,",
        `User ${sender}`,
        "",
      ].join("\r\n"),
    );
    out.push({ mailFrom: from, raw: await dkimSignMessage(raw, { domain: benchSenderDomain, selector, privateKeyPem }) });
  }
  return out;
}
