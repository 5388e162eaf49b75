import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import type { DNSResolver } from "mailauth";
import { dkimVerify } from "mailauth/lib/dkim/verify";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDnsServer, splitTxt, type TestDnsServer } from "../../../test/support/dns-server";
import { createResolver } from "../../dns/resolver";
import { AppError } from "../../errors";
import { capReferences, composeOutboundMessage, stripControl, type ComposeInput } from "../compose-message";
import { dkimSignMessage } from "../dkim-sign";
import { outboundMessageId, parseOutboundMessageId } from "../message-id";

const SECRET = "compose-test-secret-0123456789-0123456789";

function base(over: Partial<ComposeInput> = {}): ComposeInput {
  return {
    from: { address: "support@acme-msp.example", name: "Acme Support" },
    to: [{ address: "jane@client.example", name: "Jane" }],
    replyTo: { address: "reply-t1-abc@acme.in.gw.test" },
    subject: "Re: printer",
    text: "Hello\n",
    messageId: "om.acme.t1.m1.0123456789abcdef0123@acme-msp.example",
    date: new Date("2026-05-01T10:00:00Z"),
    ...over,
  };
}

/** Header names of the top-level header section, unfolded, lower-cased, in order. */
function headerNames(raw: Buffer): string[] {
  const text = raw.toString("latin1");
  const head = text.slice(0, text.indexOf("\r\n\r\n"));
  return head
    .split("\r\n")
    .filter((l) => !/^[ \t]/.test(l))
    .map((l) => l.slice(0, l.indexOf(":")).toLowerCase());
}

describe("Message-Id structure (R-OUT-1, R-IN-6)", () => {
  it("R-OUT-1 names tenant, ticket and message and verifies its MAC", () => {
    const id = outboundMessageId(SECRET, { tenantSlug: "acme-msp", ticketId: "ct1abc", messageId: "cm2def", domain: "Acme.Example" });
    expect(id).toMatch(/^om\.acme-msp\.ct1abc\.cm2def\.[0-9a-f]{20}@acme\.example$/);
    expect(parseOutboundMessageId(SECRET, `<${id}>`)).toEqual({ slug: "acme-msp", ticketId: "ct1abc", messageId: "cm2def" });
    expect(parseOutboundMessageId("another-secret-0123456789-0123456789", id)).toBeNull();
    // Moving the MAC to another ticket or tenant fails; garbage never throws.
    expect(parseOutboundMessageId(SECRET, id.replace(".ct1abc.", ".ct1abd."))).toBeNull();
    expect(parseOutboundMessageId(SECRET, id.replace("om.acme-msp.", "om.other."))).toBeNull();
    for (const junk of ["", "<>", "abc@def", "om.a.b.c.zz@x", "\r\n"]) expect(parseOutboundMessageId(SECRET, junk)).toBeNull();
  });

  it("R-OUT-1 References keep the root and the last 20", () => {
    const ids = Array.from({ length: 30 }, (_, i) => `id${i}@x.example`);
    const capped = capReferences([...ids, "id5@x.example", "not an id", "<id29@x.example>"]);
    expect(capped).toEqual(["id0@x.example", ...ids.slice(10)]);
    expect(capReferences(ids.slice(0, 5))).toEqual(ids.slice(0, 5));
  });
});

describe("composeOutboundMessage (R-OUT-1, R-OUT-5)", () => {
  it("R-OUT-1 writes From, Reply-To, Message-Id, In-Reply-To, References and Thread-* headers", async () => {
    const raw = await composeOutboundMessage(
      base({
        cc: [{ address: "bob@client.example" }],
        inReplyTo: "in2@client.example",
        references: ["in1@client.example", "in2@client.example"],
        threadTopic: "printer",
        threadIndex: "AdkZ3vQ0AAAAAAAAAAAAAAAAAAAA",
        extraHeaders: { "Auto-Submitted": "auto-replied" },
        attachments: [{ filename: "a.txt", contentType: "text/plain", content: Buffer.from("att") }],
      }),
    );
    const m = await simpleParser(raw);
    expect(m.from?.value).toEqual([{ address: "support@acme-msp.example", name: "Acme Support" }]);
    expect(m.replyTo?.value[0]?.address).toBe("reply-t1-abc@acme.in.gw.test");
    expect(m.messageId).toBe("<om.acme.t1.m1.0123456789abcdef0123@acme-msp.example>");
    expect(m.inReplyTo).toBe("<in2@client.example>");
    expect(m.references).toEqual(["<in1@client.example>", "<in2@client.example>"]);
    expect(m.headers.get("thread-topic")).toBe("printer");
    expect(m.headers.get("thread-index")).toBe("AdkZ3vQ0AAAAAAAAAAAAAAAAAAAA");
    expect(m.headers.get("auto-submitted")).toBe("auto-replied");
    expect(m.attachments[0]?.content.toString()).toBe("att");
  });

  it("R-OUT-5 refuses CR/LF in addresses and unsafe extra headers", async () => {
    const cases: Partial<ComposeInput>[] = [
      { to: [{ address: "jane@client.example\r\nBcc: evil@x.example" }] },
      { from: { address: "support@acme-msp.example\nX-Evil: 1" } },
      { cc: [{ address: "a@b.example\u0000" }] },
      { replyTo: { address: "r@x.example\rBcc: e@x.example" } },
      { extraHeaders: { "X-A": "v\r\nBcc: evil@x.example" } },
      { extraHeaders: { "Bcc": "evil@x.example" } },
      { extraHeaders: { "X-A\r\nBcc": "evil@x.example" } },
      { messageId: "a@b\r\nBcc: e@x" },
    ];
    for (const c of cases) {
      await expect(composeOutboundMessage(base(c))).rejects.toBeInstanceOf(AppError);
    }
  });

  it("R-OUT-5 property: arbitrary subject, names and thread topic never add a header", async () => {
    const nasty = fc.oneof(
      fc.string({ unit: "binary", maxLength: 120 }),
      fc.constantFrom("x\r\nBcc: evil@x.example", "\r\n\r\nbody", "a\nX-Injected: 1", "=?utf-8?Q?a=0D=0ABcc:_e@x?=", "\u2028X: y"),
      fc
        .tuple(fc.string({ maxLength: 20 }), fc.constantFrom("\r\n", "\n", "\r", "\u0000", "\t"), fc.string({ maxLength: 20 }))
        .map(([a, sep, b]) => `${a}${sep}Bcc: ${b}`),
    );
    const expected = ["content-transfer-encoding", "content-type", "date", "from", "message-id", "mime-version", "reply-to", "subject", "thread-topic", "to"];
    await fc.assert(
      fc.asyncProperty(nasty, nasty, nasty, async (subject, fromName, toName) => {
        const raw = await composeOutboundMessage(
          base({ subject, from: { address: "support@acme-msp.example", name: fromName }, to: [{ address: "jane@client.example", name: toName }], threadTopic: `t ${subject}` }),
        );
        const names = headerNames(raw);
        expect([...names].sort()).toEqual(expected);
        const parsed = await simpleParser(raw);
        expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value.map((v) => v.address) : []).toEqual(["jane@client.example"]);
        expect(parsed.headers.has("bcc")).toBe(false);
        // The text survives as the subject's content (control characters became spaces).
        const squash = (v: string) => v.replace(/\s+/gu, " ").trim();
        expect(squash(parsed.subject ?? "")).toBe(squash(stripControl(subject)) || "(no subject)");
        expect(parsed.headers.has("x-injected")).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});

describe("dkimSignMessage (R-OUT-1)", () => {
  let dns: TestDnsServer;
  let privateKeyPem: string;
  beforeAll(async () => {
    const pair = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "der" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    privateKeyPem = pair.privateKey;
    dns = await startDnsServer({
      // Published split in ≤255 strings, as DNS providers do.
      "om202605._domainkey.acme-msp.example": [{ type: "TXT", data: splitTxt(`v=DKIM1; k=rsa; p=${pair.publicKey.toString("base64")}`) }],
    });
  });
  afterAll(() => dns.close());

  it("R-OUT-1 a signed message verifies with mailauth against the published key; tampering fails", async () => {
    const raw = await composeOutboundMessage(base({ subject: "Grüße \u{1F600}" }));
    const signed = await dkimSignMessage(raw, { domain: "acme-msp.example", selector: "om202605", privateKeyPem });
    expect(signed.toString("latin1")).toMatch(/^DKIM-Signature: /);
    // mailauth's resolver type is narrower than ours (TXT answers only); it only asks for TXT here.
    const resolver = createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 }) as DNSResolver;
    const ok = await dkimVerify(signed, { resolver });
    expect(ok.results[0]?.status.result).toBe("pass");
    expect(ok.results[0]?.signingDomain).toBe("acme-msp.example");
    const tampered = Buffer.from(signed.toString("latin1").replace("Hello", "Hellp"), "latin1");
    // mailauth reports a body-hash mismatch as "neutral": anything but pass is what matters.
    expect((await dkimVerify(tampered, { resolver })).results[0]?.status.result).not.toBe("pass");
  });
});
