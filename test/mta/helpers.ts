/**
 * Building blocks for the MTA integration tests: real RFC 5322 messages (nodemailer's MailComposer), DKIM
 * signatures with mailauth's signer and a key published in the test DNS server, and the DNS zones the tests
 * serve. (Taking PostgreSQL away from the MTA: test/support/cuttable-proxy.ts.)
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import MailComposer from "nodemailer/lib/mail-composer";
import { dkimSign } from "mailauth/lib/dkim/sign";
import { splitTxt, type TestDnsServer } from "../support/dns-server";

export type MessageInput = {
  from: string;
  to: string | string[];
  cc?: string[];
  subject?: string;
  text?: string;
  html?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  attachments?: { filename: string; content: Buffer; contentType: string; cid?: string }[];
};

export function uniqueId(domain = "sender.example"): string {
  return `${randomBytes(8).toString("hex")}@${domain}`;
}

/** A complete message as a real client would send it (CRLF, MIME, encoded headers). */
export async function buildMessage(input: MessageInput): Promise<Buffer> {
  const composer = new MailComposer({
    from: input.from,
    to: input.to,
    ...(input.cc ? { cc: input.cc } : {}),
    subject: input.subject ?? "Printer on floor 2 is offline",
    text: input.text ?? "Hi team,\n\nthe printer on floor 2 shows offline since this morning.\n\nThanks,\nAlice",
    ...(input.html ? { html: input.html } : {}),
    messageId: `<${input.messageId ?? uniqueId()}>`,
    ...(input.inReplyTo ? { inReplyTo: `<${input.inReplyTo}>` } : {}),
    ...(input.references ? { references: input.references.map((r) => `<${r}>`) } : {}),
    headers: input.headers ?? {},
    date: new Date(),
    attachments: (input.attachments ?? []).map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
      ...(a.cid ? { cid: a.cid } : {}),
    })),
  });
  const built = await new Promise<Buffer>((resolve, reject) =>
    composer.compile().build((err, message) => (err ? reject(err) : resolve(message))),
  );
  // MailComposer keeps text bodies' bare LFs; on the wire every line ends in CRLF (the SMTP client does this).
  return Buffer.from(built.toString("latin1").replace(/\r?\n/g, "\r\n"), "latin1");
}

export type DkimKey = { domain: string; selector: string; privateKeyPem: string; publicKeyBase64: string };

/** A fresh RSA key (generated at test time, never committed) for `selector._domainkey.domain`. */
export function generateDkimKey(domain: string, selector: string): DkimKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    domain,
    selector,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyBase64: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
  };
}

/** Publishes the key's DKIM record split into 255-octet strings, as DNS providers do with 2048-bit keys. */
export function publishDkimKey(dns: TestDnsServer, key: DkimKey): void {
  dns.set(`${key.selector}._domainkey.${key.domain}`, [{ type: "TXT", data: splitTxt(`v=DKIM1; k=rsa; p=${key.publicKeyBase64}`) }]);
}

export async function dkimSignRaw(raw: Buffer, key: DkimKey): Promise<Buffer> {
  const signature = { signingDomain: key.domain, selector: key.selector, privateKey: key.privateKeyPem, canonicalization: "relaxed/relaxed", algorithm: "rsa-sha256" };
  const result = await dkimSign(raw, { ...signature, signatureData: [signature] });
  if (result.errors.length || !result.signatures) throw new Error("DKIM signing failed in the test");
  return Buffer.concat([Buffer.from(result.signatures), raw]);
}


export type DsnInput = {
  /** The VERP bounce address the notice is sent to. */
  to: string;
  /** The receiving side's host, e.g. "mx.client.example": the From, Message-ID and Reporting-MTA. */
  reportingMta: string;
  finalRecipient: string;
  status: string;
  /** The Diagnostic-Code's text, after "smtp; ". */
  diagnostic: string;
  /** The human-readable part. */
  text?: string;
  /** The returned message's Message-Id, in a text/rfc822-headers part. */
  returnedMessageId?: string;
};

/** A failed-delivery notice (RFC 3464 multipart/report) as Postfix and most MTAs send one, CRLF line ends. */
export function buildDsn(input: DsnInput): Buffer {
  const returned = input.returnedMessageId
    ? ["--b1", "Content-Type: text/rfc822-headers", "", `Message-ID: <${input.returnedMessageId}>`, ""]
    : [];
  return Buffer.from(
    [
      `From: Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`,
      `To: ${input.to}`,
      "Subject: Undelivered Mail Returned to Sender",
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${uniqueId(input.reportingMta)}>`,
      "Auto-Submitted: auto-replied",
      "MIME-Version: 1.0",
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain",
      "",
      input.text ?? "Your message could not be delivered.",
      "--b1",
      "Content-Type: message/delivery-status",
      "",
      `Reporting-MTA: dns; ${input.reportingMta}`,
      "",
      `Final-Recipient: rfc822; ${input.finalRecipient}`,
      "Action: failed",
      `Status: ${input.status}`,
      `Diagnostic-Code: smtp; ${input.diagnostic}`,
      "",
      ...returned,
      "--b1--",
      "",
    ].join("\r\n"),
  );
}
