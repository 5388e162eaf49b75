import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import path from "node:path";
import { splitReply } from "../reply-text.ts";
import { parseMessage } from "../parse-message.ts";
import { FIXTURES, fixture, fixtureText } from "./helpers.ts";

const norm = (s: string) =>
  s
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+$/gm, "")
    .trim();
const nonBlankLines = (s: string) =>
  s
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

/** Nothing is ever lost: every non-blank input line is in newText, signature or quoted. */
function expectLossless(input: string): void {
  const r = splitReply(input);
  const out = new Set([...nonBlankLines(r.newText), ...nonBlankLines(r.signature), ...nonBlankLines(r.quoted)]);
  for (const l of nonBlankLines(input)) expect(out.has(l), l).toBe(true);
}

describe("R-IN-7 reply text: discourse email_reply_trimmer ground truth", () => {
  const dir = "replies/email_reply_trimmer";
  const files = readdirSync(path.join(FIXTURES, dir, "emails")).sort();
  it.each(files)("R-IN-7 %s: new text equals the expected trimmed text", (f) => {
    const input = fixtureText(`${dir}/emails/${f}`);
    expect(norm(splitReply(input).newText)).toBe(norm(fixtureText(`${dir}/trimmed/${f}`)));
    expectLossless(input);
  });
});

describe("R-IN-7 reply text: github / zapier email_reply_parser ground truth", () => {
  const expected = JSON.parse(fixtureText("replies/github-email_reply_parser/expected.json")) as Record<
    string,
    { parse_reply?: string }
  >;
  const cases = Object.entries(expected).filter(([k, v]) => !k.startsWith("_") && typeof v.parse_reply === "string");
  it.each(cases)("R-IN-7 %s", (file, v) => {
    const input = fixtureText(path.posix.normalize(`replies/github-email_reply_parser/${file}`));
    expect(norm(splitReply(input).newText)).toBe(norm(v.parse_reply!));
    expectLossless(input);
  });

  it("R-IN-7 inline (interleaved) answers stay in the new text with their context", () => {
    const r = splitReply(fixtureText("replies/github-email_reply_parser/email_1_8.txt"));
    expect(r.newText).toContain("I will reply under this one");
    expect(r.newText).toContain("and under this.");
    expect(r.quoted).toContain("> hi there");
    expect(r.newText).not.toContain("Hey there, this is my signature");
  });
});

describe("R-IN-7 reply text: crisp email-reply-parser ground truth", () => {
  const expected = JSON.parse(fixtureText("replies/crisp-email-reply-parser/expected.json")) as Record<
    string,
    { test: string; expected_first_fragment_trimmed?: string }[]
  >;
  const cases = Object.entries(expected)
    .filter(([k]) => !k.startsWith("_"))
    .flatMap(([file, list]) =>
      list
        .filter((c) => c.expected_first_fragment_trimmed !== undefined)
        .map((c) => [file, c.test, c.expected_first_fragment_trimmed!] as const),
    );
  it.each(cases)("R-IN-7 %s (%s)", (file, _test, want) => {
    const input = fixtureText(`replies/crisp-email-reply-parser/${file}`);
    expect(norm(splitReply(input).newText)).toBe(norm(want));
    expectLossless(input);
  });
});

describe("R-IN-7 reply text: talon messages from real clients", () => {
  const expected = JSON.parse(fixtureText("replies/talon/expected.json")) as Record<string, string>;
  const eml = Object.keys(expected).filter((k) => k.startsWith("standard_replies/"));
  it.each(eml)("R-IN-7 %s", async (file) => {
    const m = await parseMessage(fixture(`replies/talon/${file}`));
    // talon keeps signatures in the reply; we split them off, so compare new text + signature.
    const want = expected[file]!;
    expect([m.newText, m.signature].join("\n").replace(/\s+/g, "")).toBe(want.replace(/\s+/g, ""));
  });

  const html = readdirSync(path.join(FIXTURES, "replies/talon/html_replies")).sort();
  it.each(html)("R-IN-7 html_replies/%s reduces to the reply (HTML-only message)", async (file) => {
    const body = fixture(`replies/talon/html_replies/${file}`);
    const raw = Buffer.concat([
      Buffer.from(
        "From: Alex <alex@example.com>\r\nTo: support@acme.in.opsmerge.test\r\nSubject: Re: hi\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n",
      ),
      body,
    ]);
    const m = await parseMessage(raw);
    expect(m.newText.replace(/\s+/g, "")).toBe("Hi.Iamfine.Thanks,Alex");
  });
});

describe("R-IN-7 reply text: quote markers and robustness", () => {
  it("R-IN-7 Outlook, Gmail and Apple markers", () => {
    const outlook =
      "Thanks, fixed.\n\n________________________________\nFrom: Jane <jane@x.example>\nSent: Monday, 3 March 2025 10:00\nTo: support@acme.example\nSubject: Printer\n\nIt is broken.";
    expect(splitReply(outlook)).toMatchObject({
      newText: "Thanks, fixed.",
      quoted: expect.stringContaining("It is broken.") as unknown,
    });
    const original = "Done.\n\n-----Original Message-----\nFrom: a@b.example\nPrinter down";
    expect(splitReply(original).newText).toBe("Done.");
    const gmail =
      "Yes please.\n\nOn Mon, Mar 3, 2025 at 10:00 AM Jane Doe <jane@x.example> wrote:\n\n> Should we reboot?\n";
    expect(splitReply(gmail)).toEqual({
      newText: "Yes please.",
      quoted: "On Mon, Mar 3, 2025 at 10:00 AM Jane Doe <jane@x.example> wrote:\n\n> Should we reboot?",
      signature: "",
    });
    const apple =
      "Works now\n\nSent from my iPhone\n\n> On 3 Mar 2025, at 10:00, Jane <jane@x.example> wrote:\n>\n> Try again?";
    expect(splitReply(apple)).toMatchObject({ newText: "Works now", signature: "Sent from my iPhone" });
    const german = "Danke!\n\nAm 03.03.2025 um 10:00 schrieb Jane <jane@x.example>:\n> Hallo";
    expect(splitReply(german).newText).toBe("Danke!");
  });

  it("R-IN-7 a bare forward keeps everything as new text", () => {
    const fwd =
      "---------- Forwarded message ---------\nFrom: Vendor <v@vendor.example>\nDate: Mon, 3 Mar 2025\nSubject: Invoice\n\nPlease pay.";
    expect(splitReply(fwd)).toEqual({ newText: fwd, quoted: "", signature: "" });
  });

  it("R-IN-7 plain text without quotes is untouched; odd input never throws", () => {
    expect(splitReply("Hello\nworld")).toEqual({ newText: "Hello\nworld", quoted: "", signature: "" });
    expect(splitReply("")).toEqual({ newText: "", quoted: "", signature: "" });
    expect(() => splitReply(undefined as unknown as string)).not.toThrow();
  });

  it("R-IN-7 hostile bodies finish (no regex blow-up on long lines)", () => {
    const long = `On ${"a ".repeat(50_000)}\n${"> x\n".repeat(10_000)}${"From: ".repeat(20_000)}\n${"Op ".repeat(30_000)}schreef`;
    const r = splitReply(long);
    expect(r.newText.length + r.quoted.length + r.signature.length).toBeGreaterThan(0);
    expectLossless("Intro\n" + "x".repeat(200_000) + "\n\nOn Mon, Jan 1, 2024 at 1:00 PM a@b.example wrote:\n> q");
  });
});
