/**
 * Property-based fuzzing (fast-check) of everything that reads attacker-controlled mail and addresses
 * (R-IN-11 "any input → a result, never an exception, never a hang"; R-BL-1 pattern matcher; SPEC "Security"):
 * header/MIME parsing, DSN reading, reply splitting, automatic-mail detection, HTML sanitising, gateway
 * addresses (forged tokens never verify), sender normalisation and the blocklist. Every call is timed; a call over
 * its bound fails the property, and a final pass feeds each string function long runs of the characters regexes
 * backtrack on (catastrophic-regex check). Runs are bounded (numRuns) and seeded per run; a failure prints
 * fast-check's seed and path to replay it.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { bounceAddress, parseGatewayAddress, replyAddress, tenantMailbox } from "../../server/mail/addresses";
import { classifyMail } from "../../server/mail/automatic-mail";
import { normaliseSubject } from "../../server/mail/normalise-subject";
import { globMatch, matchBlocklist, parseBlocklistInput, type BlocklistEntry } from "../../server/mail/blocklist";
import { normaliseLineEndings, parseDsn } from "../../server/mail/dsn";
import { parseMessage } from "../../server/mail/parse-message";
import { splitReply } from "../../server/mail/reply-text";
import { domainCandidates } from "../../server/inbound/routing";
import { normaliseSenderAddress } from "../../server/mail/addresses";
import { sanitizeEmailHtml } from "../../server/mail/sanitize-html";
import { AppError } from "../../server/errors";
import { firstBracketed, stripComments, trimTrailingBlanks } from "../../server/mail/header-text";

const SECRET = "fuzz-secret-0123456789abcdefghijklmnopqrstuvwxyz";
const INBOUND = "in.fuzz.example";
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
/** Per-call bounds: generous for a shared 2-core machine, far below what a hang or exponential backtracking costs. */
const ASYNC_BOUND_MS = 3_000;
const SYNC_BOUND_MS = 1_000;

const slowest = new Map<string, number>();
function timed<T>(name: string, bound: number, fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  const dt = performance.now() - t0;
  slowest.set(name, Math.max(slowest.get(name) ?? 0, dt));
  if (dt > bound) throw new Error(`${name} took ${dt.toFixed(0)} ms (bound ${bound} ms)`);
  return out;
}
async function timedAsync<T>(name: string, bound: number, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  const dt = performance.now() - t0;
  slowest.set(name, Math.max(slowest.get(name) ?? 0, dt));
  if (dt > bound) throw new Error(`${name} took ${dt.toFixed(0)} ms (bound ${bound} ms)`);
  return out;
}

afterAll(() => {
  const lines = [...slowest].map(([name, ms]) => `${name}=${ms.toFixed(1)}ms`).join(" ");
  console.log(`FUZZ slowest single call: ${lines}`);
});

// ── generators ────────────────────────────────────────────────────────────────────────────────────────────────

/** Any text, including astral characters, lone surrogates, controls, CR and LF. */
const anyText = (maxLength = 300) => fc.string({ unit: "binary", maxLength });
/** Text made of the characters mail syntax is built from, so the structure parsers get exercised. */
const mailChars = fc.constantFrom(..."<>@\"'()[]:;,.\\=?*% \t\r\n-_+!#$&/|~^`{}abcXYZ019é€😀\u0000\u00ff\u200b");
const mailText = (maxLength = 300) => fc.string({ unit: mailChars, maxLength });

const headerName = fc.oneof(
  fc.constantFrom(
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Date",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
    "MIME-Version",
    "Auto-Submitted",
    "Precedence",
    "X-Autoreply",
    "List-Id",
    "Return-Path",
    "Delivered-To",
    "Thread-Index",
  ),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,30}$/),
);
const headerValue = fc.oneof(
  mailText(200),
  anyText(120),
  fc.constantFrom(
    "=?utf-8?B?w6k=?=",
    "=?iso-8859-1?Q?caf=E9?=",
    "=?bogus-charset?Q?x?=",
    "=?utf-8?B?not base64!!?=",
    "multipart/mixed; boundary=",
    'multipart/mixed; boundary="b"',
    "text/plain; charset=utf-7",
    "text/html; charset=x-unknown",
    "base64",
    "quoted-printable",
    "x-uuencode",
    "<a@b> <c@d> <<>>",
    '"A, B" <a@b>, :;, undisclosed-recipients:;',
  ),
);
const headerBlock = fc.array(fc.tuple(headerName, headerValue), { maxLength: 25 });

function leafPart(body: string, type: string, cte: string): string {
  return `Content-Type: ${type}\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n${body}`;
}

/** A MIME tree of bounded depth with hostile bits: bad boundaries, encodings, charsets, truncated parts. */
const mimeTree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc
      .tuple(
        mailText(300),
        fc.constantFrom(
          "text/plain; charset=utf-8",
          "text/html",
          "text/plain; charset=gb18030",
          "application/octet-stream",
          "message/rfc822",
          "message/delivery-status",
          "text/rfc822-headers",
          'image/png; name="a.png"',
        ),
        fc.constantFrom("7bit", "8bit", "base64", "quoted-printable", "binary", "x-bogus"),
      )
      .map(([body, type, cte]) => leafPart(body, type, cte)),
    fc
      .tuple(
        fc.constantFrom("b1", "=_boundary", "", "a b", "x".repeat(80), "--"),
        fc.constantFrom("mixed", "alternative", "related", "report; report-type=delivery-status", "digest"),
        fc.array(tie("node"), { maxLength: 4 }),
        fc.boolean(),
      )
      .map(([boundary, sub, parts, close]) => {
        const body = parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("") + (close ? `--${boundary}--\r\n` : "");
        return `Content-Type: multipart/${sub}; boundary="${boundary}"\r\n\r\n${body}`;
      }),
  ),
})).node;

const rawMessage = fc.oneof(
  fc.uint8Array({ maxLength: 4_000 }).map((b) => Buffer.from(b)),
  fc
    .tuple(headerBlock, mailText(500))
    .map(([h, body]) => Buffer.from(h.map(([n, v]) => `${n}: ${v}`).join("\r\n") + `\r\n\r\n${body}`, "utf8")),
  fc
    .tuple(headerBlock, mimeTree)
    .map(([h, tree]) =>
      Buffer.from(`${h.map(([n, v]) => `${n}: ${v}`).join("\r\n")}\r\nMIME-Version: 1.0\r\n${tree}`, "utf8"),
    ),
  // Invalid UTF-8 / 8-bit bytes in headers and body.
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.uint8Array({ maxLength: 500 }))
    .map(([h, b]) =>
      Buffer.concat([
        Buffer.from("Subject: "),
        Buffer.from(h),
        Buffer.from("\r\nFrom: "),
        Buffer.from(h),
        Buffer.from("\r\n\r\n"),
        Buffer.from(b),
      ]),
    ),
);

// ── properties ────────────────────────────────────────────────────────────────────────────────────────────────

describe("fuzz: mail parsing (R-IN-11)", () => {
  it("parseMessage: any bytes → a result (never the last-resort fallback), bounded time", async () => {
    await fc.assert(
      fc.asyncProperty(rawMessage, async (raw) => {
        const parsed = await timedAsync("parseMessage", ASYNC_BOUND_MS, () => parseMessage(raw));
        expect(typeof parsed.messageId).toBe("string");
        expect(parsed.messageId.length).toBeGreaterThan(0);
        expect(Array.isArray(parsed.headers)).toBe(true);
        // The catch-all in parseMessage is a safety net; reaching it means a step below threw.
        expect(parsed.problems.filter((p) => p.startsWith("message could not be parsed"))).toEqual([]);
        // Nothing PostgreSQL would refuse to store in a text column.
        const { attachments, ...texts } = parsed;
        expect(JSON.stringify(texts)).not.toContain("\\u0000");
        for (const a of attachments)
          expect(`${a.filename}${a.contentType}${a.contentId ?? ""}`).not.toContain("\u0000");
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it("parseDsn: any bytes or text → a report or null, bounded time", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(rawMessage, mailText(2_000)), async (input) => {
        const report = await timedAsync("parseDsn", ASYNC_BOUND_MS, () => parseDsn(input));
        if (report) expect(Array.isArray(report.recipients)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it("normaliseLineEndings: CR-only input comes out CRLF, anything with LF untouched", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_000 }), (bytes) => {
        const raw = Buffer.from(bytes);
        const out = timed("normaliseLineEndings", SYNC_BOUND_MS, () => normaliseLineEndings(raw));
        if (raw.includes(0x0a) || !raw.includes(0x0d)) expect(out.equals(raw)).toBe(true);
        else expect(/\r(?!\n)|(?<!\r)\n/.test(out.toString("latin1"))).toBe(false);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("splitReply: any text → three parts, bounded time", () => {
    const replyish = fc.array(
      fc.oneof(
        mailText(80),
        fc.constantFrom(
          "> ",
          ">> quoted",
          "-- ",
          "On Mon, 1 Jan 2024, A <a@b> wrote:",
          "-----Original Message-----",
          "From: x",
          "Sent from my iPhone",
          "________________",
          "",
        ),
      ),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          anyText(2_000),
          replyish.map((l) => l.join("\n")),
        ),
        (text) => {
          const r = timed("splitReply", SYNC_BOUND_MS, () => splitReply(text));
          expect(typeof r.newText).toBe("string");
          expect(typeof r.quoted).toBe("string");
          expect(typeof r.signature).toBe("string");
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it("classifyMail: any header list → a verdict, bounded time", () => {
    fc.assert(
      fc.property(headerBlock, fc.option(mailText(100)), (headers, envelopeFrom) => {
        const v = timed("classifyMail", SYNC_BOUND_MS, () => classifyMail(headers, envelopeFrom));
        expect(typeof v).toBe("object");
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("sanitizeEmailHtml: no script, event handler or javascript: URL survives", () => {
    const tag = fc.constantFrom(
      "script",
      "img",
      "a",
      "iframe",
      "svg",
      "style",
      "div",
      "form",
      "object",
      "math",
      "body",
      "meta",
      "base",
      "link",
    );
    const attr = fc.constantFrom(
      "onerror",
      "onload",
      "href",
      "src",
      "style",
      "srcset",
      "xlink:href",
      "formaction",
      "action",
      "onclick",
      "ONMOUSEOVER",
    );
    const val = fc.constantFrom(
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "java\tscript:x",
      " javascript:x",
      "data:text/html,<script>x</script>",
      "vbscript:x",
      "x",
      "http://ok.example/",
      "expression(alert(1))",
    );
    const element = fc
      .tuple(tag, fc.array(fc.tuple(attr, val), { maxLength: 3 }), mailText(40), fc.boolean())
      .map(
        ([t, attrs, inner, close]) =>
          `<${t} ${attrs.map(([a, v]) => `${a}="${v}"`).join(" ")}>${inner}${close ? `</${t}>` : ""}`,
      );
    fc.assert(
      fc.property(fc.array(fc.oneof(element, mailText(60)), { maxLength: 12 }), (parts) => {
        const out = timed("sanitizeEmailHtml", SYNC_BOUND_MS, () => sanitizeEmailHtml(parts.join("")));
        expect(out).not.toMatch(/<script/i);
        for (const t of out.match(/<[a-z][^>]*>/gi) ?? []) {
          expect(t, t).not.toMatch(/\son[a-z]+\s*=/i);
          expect(t, t).not.toMatch(/(?:href|src|action|formaction)\s*=\s*["']?\s*(?:java|vb)script:/i);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe("fuzz: addresses (R-TEN-3)", () => {
  const slug = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/);
  const id = fc.stringMatching(/^[a-z0-9]{1,25}$/);

  it("parseGatewayAddress: any string → null or a well-formed address, never throws", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyText(200),
          mailText(200),
          mailText(60).map((s) => `${s}@acme.${INBOUND}`),
        ),
        (address) => {
          const parsed = timed("parseGatewayAddress", SYNC_BOUND_MS, () =>
            parseGatewayAddress(SECRET, address, INBOUND),
          );
          if (parsed) expect(["mailbox", "reply", "bounce", "dmarc-reports", "tls-reports"]).toContain(parsed.kind);
        },
      ),
      { numRuns: RUNS * 4 },
    );
  });

  it("reply and bounce addresses round-trip, and any change to the token, id or tenant breaks them", () => {
    fc.assert(
      fc.property(slug, slug, id, fc.boolean(), fc.nat(), (s, otherSlug, i, reply, pos) => {
        const address = reply
          ? replyAddress(SECRET, { slug: s, ticketId: i }, INBOUND)
          : bounceAddress(SECRET, { slug: s, messageId: i }, INBOUND);
        expect(parseGatewayAddress(SECRET, address, INBOUND)).toEqual(
          reply ? { slug: s, kind: "reply", ticketId: i } : { slug: s, kind: "bounce", messageId: i },
        );
        expect(parseGatewayAddress(SECRET, address.toUpperCase(), INBOUND)).not.toBeNull();
        // Another secret (another installation) never verifies it.
        expect(parseGatewayAddress(`${SECRET}x`, address, INBOUND)).toBeNull();
        // Moved to another tenant's subdomain: refused.
        if (otherSlug !== s)
          expect(parseGatewayAddress(SECRET, address.replace(`@${s}.`, `@${otherSlug}.`), INBOUND)).toBeNull();
        // One character of the local part changed (token, id or kind): refused.
        const local = address.slice(0, address.indexOf("@"));
        const k = pos % local.length;
        const c = local[k]!;
        if (c === "-") return;
        const swapped = c === "a" ? "b" : "a";
        const forged = `${local.slice(0, k)}${swapped}${local.slice(k + 1)}${address.slice(address.indexOf("@"))}`;
        expect(parseGatewayAddress(SECRET, forged, INBOUND), forged).toBeNull();
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it("tenant mailbox addresses parse as that tenant's mailbox", () => {
    fc.assert(
      fc.property(slug, (s) => {
        expect(parseGatewayAddress(SECRET, tenantMailbox(s, INBOUND), INBOUND)).toEqual({ slug: s, kind: "mailbox" });
      }),
      { numRuns: RUNS },
    );
  });

  it("normaliseSenderAddress and domainCandidates: any string → a value, bounded time", () => {
    fc.assert(
      fc.property(fc.oneof(anyText(300), mailText(300)), (s) => {
        const a = timed("normaliseSenderAddress", SYNC_BOUND_MS, () => normaliseSenderAddress(s));
        if (a !== null) expect(a).toContain("@");
        const d = timed("domainCandidates", SYNC_BOUND_MS, () => domainCandidates(s));
        expect(Array.isArray(d)).toBe(true);
      }),
      { numRuns: RUNS * 4 },
    );
  });
});

describe("fuzz: blocklist (R-BL-1)", () => {
  /** Reference glob: dynamic programming, obviously correct, O(|p|·|t|). */
  function referenceGlob(pattern: string, text: string): boolean {
    const p = [...pattern];
    const t = [...text];
    let row = new Array<boolean>(t.length + 1).fill(false);
    row[0] = true;
    for (const pc of p) {
      const next = new Array<boolean>(t.length + 1).fill(false);
      if (pc === "*") {
        next[0] = row[0]!;
        for (let j = 1; j <= t.length; j++) next[j] = row[j]! || next[j - 1]!;
      } else {
        for (let j = 1; j <= t.length; j++) next[j] = row[j - 1]! && (pc === "?" || pc === t[j - 1]);
      }
      row = next;
    }
    return row[t.length]!;
  }
  const globChars = fc.constantFrom(..."ab*?@.-é😀");

  it("globMatch agrees with a reference matcher on any pattern and text", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: globChars, maxLength: 20 }),
        fc.string({ unit: globChars, maxLength: 30 }),
        (p, t) => {
          expect(timed("globMatch", SYNC_BOUND_MS, () => globMatch(p, t))).toBe(referenceGlob(p, t));
        },
      ),
      { numRuns: RUNS * 10 },
    );
  });

  it("globMatch stays linear-ish on adversarial star patterns (no catastrophic backtracking)", () => {
    for (const stars of [10, 100, 500]) {
      const pattern = `${"*a".repeat(stars)}*b`;
      const text = "a".repeat(5_000);
      expect(timed("globMatch(adversarial)", SYNC_BOUND_MS, () => globMatch(pattern, text))).toBe(false);
    }
  });

  it("parseBlocklistInput: any input → an entry or a BAD_INPUT AppError, and a parsed pattern matches without hanging", () => {
    fc.assert(
      fc.property(fc.oneof(anyText(120), mailText(120)), mailText(200), (raw, sender) => {
        let entry;
        try {
          entry = timed("parseBlocklistInput", SYNC_BOUND_MS, () => parseBlocklistInput(raw));
        } catch (err) {
          if (err instanceof AppError && err.code === "BAD_INPUT") return;
          throw err;
        }
        expect(["EMAIL", "DOMAIN", "PATTERN"]).toContain(entry.kind);
        const entries: BlocklistEntry[] = [{ id: "1", ...entry }];
        timed("matchBlocklist", SYNC_BOUND_MS, () => matchBlocklist(entries, sender));
        timed("matchBlocklist", SYNC_BOUND_MS, () =>
          matchBlocklist(entries, `x${"a".repeat(900)}@${"b".repeat(90)}.example`),
        );
      }),
      { numRuns: RUNS * 4 },
    );
  });
});

describe("linear rewrites give the results of the regular expressions they replaced", () => {
  const text = fc.string({ unit: fc.constantFrom(..."<>() \t\ra@.;x"), maxLength: 60 });
  it("firstBracketed, stripComments, trimTrailingBlanks", () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(firstBracketed(s)).toBe(/<([^>]*)>/.exec(s)?.[1] ?? null);
        expect(stripComments(s)).toBe(s.replace(/\([^)]*\)/g, ""));
        expect(trimTrailingBlanks(s)).toBe(s.replace(/[ \t\r]+$/, ""));
      }),
      { numRuns: RUNS * 10 },
    );
  });
  it("domainCandidates (up to 253 characters, as before)", () => {
    const label = fc.stringMatching(/^[a-z0-9-]{0,12}$/);
    fc.assert(
      fc.property(fc.array(label, { maxLength: 12 }), (labels) => {
        const domain = labels.join(".");
        const parts = domain.split(".").filter(Boolean);
        const before: string[] = [];
        for (let i = 0; i + 2 <= parts.length; i++) before.push(parts.slice(i).join("."));
        expect(domainCandidates(domain)).toEqual(before);
      }),
      { numRuns: RUNS * 4 },
    );
    expect(domainCandidates(`${"a.".repeat(200)}example.com`).every((d) => d.length <= 253)).toBe(true);
  });
});

describe("catastrophic-regex check: long runs of the characters regexes backtrack on", () => {
  const runs = [
    " ",
    "\t",
    "a",
    "@",
    ".",
    "-",
    ">",
    "=",
    "<",
    '"',
    "(",
    ",",
    ";",
    ":",
    "\\",
    "*",
    "\r\n",
    "\n",
    "> ",
    "a@",
    "@.",
    "=?",
    "--",
    " \n",
    "a.",
    "-- \n",
  ];
  const LENGTH = 50_000;
  const stringFunctions: [string, (s: string) => unknown][] = [
    ["parseGatewayAddress", (s) => parseGatewayAddress(SECRET, s, INBOUND)],
    ["normaliseSenderAddress", (s) => normaliseSenderAddress(s)],
    ["normaliseSubject", (s) => normaliseSubject(s)],
    ["domainCandidates", (s) => domainCandidates(s)],
    ["splitReply", (s) => splitReply(s)],
    ["sanitizeEmailHtml", (s) => sanitizeEmailHtml(s)],
    [
      "classifyMail",
      (s) =>
        classifyMail(
          [
            ["Subject", s],
            ["Auto-Submitted", s],
            ["Precedence", s],
            ["From", s],
          ],
          s,
        ),
    ],
    ["matchBlocklist", (s) => matchBlocklist([{ id: "1", kind: "PATTERN", value: "*a*a*a*a*a*b" }], `${s}@x.example`)],
    [
      "parseBlocklistInput",
      (s) => {
        try {
          return parseBlocklistInput(s);
        } catch (err) {
          if (err instanceof AppError) return null;
          throw err;
        }
      },
    ],
  ];

  it.each(stringFunctions)("%s", (name, fn) => {
    for (const unit of runs) {
      const s = unit.repeat(Math.ceil(LENGTH / unit.length));
      timed(`${name}(runs)`, SYNC_BOUND_MS, () => fn(s));
      timed(`${name}(runs)`, SYNC_BOUND_MS, () => fn(`${s}!`));
    }
  });

  it.each([
    [
      "header line of spaces",
      (u: string) =>
        Buffer.from(`Subject: ${u}\r\nFrom: ${u}\r\nTo: ${u}\r\nReferences: ${u}\r\n\r\nbody\r\n`, "latin1"),
    ],
    ["body", (u: string) => Buffer.from(`From: a@b.example\r\nSubject: x\r\n\r\n${u}\r\n`, "latin1")],
  ])(
    "parseMessage and parseDsn: %s",
    async (_name, build) => {
      for (const unit of runs) {
        const raw = build(unit.repeat(Math.ceil(20_000 / unit.length)));
        await timedAsync("parseMessage(runs)", ASYNC_BOUND_MS, () => parseMessage(raw));
        await timedAsync("parseDsn(runs)", ASYNC_BOUND_MS, () => parseDsn(raw));
      }
    },
    120_000,
  );
});
