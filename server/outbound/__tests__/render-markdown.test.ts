/**
 * The composer's Markdown → the outbound HTML part (R-TKT-2), against hostile input: raw HTML is text, script
 * never survives, only http/https/mailto links, no remote image; and the message built around it still refuses
 * header injection through the subject (R-OUT-5).
 */
import fc from "fast-check";
import { DomUtils, parseDocument } from "htmlparser2";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { composeOutboundMessage } from "../compose-message";
import { renderReplyMarkdown } from "../render-markdown";

/** The elements of rendered HTML, parsed as a browser would (text that merely looks like markup is not one). */
function elementsOf(html: string) {
  return DomUtils.findAll(() => true, parseDocument(html).children);
}

function tagsOf(html: string): string[] {
  return elementsOf(html).map((e) => e.name);
}

function attributesOf(html: string): string[] {
  return elementsOf(html).flatMap((e) => Object.keys(e.attribs));
}

function hrefsOf(html: string): string[] {
  return elementsOf(html).flatMap((e) => (e.attribs.href === undefined ? [] : [e.attribs.href]));
}

const SAFE_TAGS = new Set([
  "div", "p", "br", "strong", "em", "s", "a", "code", "pre", "blockquote", "ul", "ol", "li", "h1", "h2", "h3", "h4",
  "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
]);
const SAFE_ATTRIBUTES = new Set(["style", "href", "rel", "target", "start"]);

describe("renderReplyMarkdown (R-TKT-2)", () => {
  it("R-TKT-2 renders Markdown as mail-ready HTML: emphasis, lists, quotes, code, tables, line breaks, inline styles", () => {
    const html = renderReplyMarkdown(
      [
        "Hello **Alice**,",
        "",
        "1. Open _tray 3_",
        "2. Remove `the paper`",
        "",
        "> We are looking into it.",
        "",
        "```",
        "lpstat -p floor2",
        "```",
        "",
        "| Day | Time |",
        "| --- | --- |",
        "| Thu | 10:00 |",
        "",
        "Regards,",
        "Demo Support",
      ].join("\n"),
    );
    expect(html).toMatch(/^<div style="font-family:Arial/);
    expect(html).toContain("<strong>Alice</strong>");
    expect(html).toContain("<em>tray 3</em>");
    expect(html).toMatch(/<ol style="[^"]+">\n<li>Open/);
    expect(html).toMatch(/<code style="[^"]*font-family:Consolas[^"]*">the paper<\/code>/);
    expect(html).toMatch(/<blockquote style="[^"]*border-left:3px solid #cbd5e1[^"]*">/);
    expect(html).toMatch(/<pre style="[^"]+"><code>lpstat -p floor2\n<\/code><\/pre>/);
    expect(html).toMatch(/<td style="[^"]+">10:00<\/td>/);
    // A single line break stays a line break, as in any mail client.
    expect(html).toMatch(/Regards,<br \/>\nDemo Support/);
    expect(tagsOf(html).every((t) => SAFE_TAGS.has(t))).toBe(true);
  });

  it("R-TKT-2 URLs and mail addresses become links that open safely", () => {
    const html = renderReplyMarkdown("See https://status.example/x?a=1&b=2. or [the docs](https://docs.example/p) or ops@msp.example");
    expect(html).toContain(
      '<a href="https://status.example/x?a=1&amp;b=2" rel="noopener noreferrer nofollow" target="_blank">https://status.example/x?a=1&amp;b=2</a>.',
    );
    expect(html).toContain('<a href="https://docs.example/p" rel="noopener noreferrer nofollow" target="_blank">the docs</a>');
    expect(html).toContain('<a href="mailto:ops@msp.example" rel="noopener noreferrer nofollow" target="_blank">ops@msp.example</a>');
  });

  it("R-TKT-2 raw HTML in the body is shown as text, never passed through", () => {
    const html = renderReplyMarkdown(
      [
        "<script>alert(1)</script>",
        "",
        '<img src=x onerror="alert(1)"> <iframe src="https://evil.example"></iframe>',
        "",
        '<a href="javascript:alert(1)">pay</a> <b onclick="x()">bold</b>',
        "",
        "<div>",
        "<style>body{display:none}</style>",
        "</div>",
      ].join("\n"),
    );
    // The one element made is the link linkify finds in the typed text (an https URL).
    expect(tagsOf(html).filter((t) => !["div", "p", "br"].includes(t))).toEqual(["a"]);
    expect(hrefsOf(html)).toEqual(["https://evil.example"]);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain('&lt;img src=x onerror="alert(1)"&gt;');
    expect(html).toContain('&lt;a href="javascript:alert(1)"&gt;pay&lt;/a&gt;');
    expect(html).toContain("&lt;style&gt;body{display:none}&lt;/style&gt;");
    expect(attributesOf(html).every((a) => SAFE_ATTRIBUTES.has(a))).toBe(true);
  });

  it("R-TKT-2 javascript:, vbscript:, data: and file: links are never links; images are text, not remote content", () => {
    const html = renderReplyMarkdown(
      [
        "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](  javascript&#58;alert(1)) [d](vbscript:msgbox(1))",
        "[e](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [f](file:///etc/passwd) <javascript:alert(1)>",
        "[g](java\tscript:alert(1)) [h](&#x6A;avascript:alert(1))",
        "![pixel](https://tracker.example/p.gif?id=1) ![inline](data:image/png;base64,iVBORw0KGgo=)",
      ].join("\n"),
    );
    // The image syntax is text: "!" then a plain link to the picture, which nothing loads.
    expect(hrefsOf(html)).toEqual(["https://tracker.example/p.gif?id=1"]);
    expect(tagsOf(html)).not.toContain("img");
    expect(attributesOf(html).every((a) => SAFE_ATTRIBUTES.has(a))).toBe(true);
  });

  it("R-TKT-2 whatever is typed, only the sanitiser's safe tags and attributes come out", () => {
    const piece = fc.constantFrom(
      "<script>", "</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "](", "<", ">", "&", "\"",
      "'", "`", "```", "\n", "\n\n", "> ", "* ", "1. ", "| a |", "---", "**", "_", "<a href='javascript:x'>", "onload=",
      "javascript:", "https://ok.example/", "mailto:a@b.example", "![i](https://t.example/p.gif)", "<svg onload=x>",
      "<!--", "-->", "<![CDATA[", "\u0000", "\r\n", "text",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const html = renderReplyMarkdown(parts.join(""));
        for (const tag of tagsOf(html)) expect(SAFE_TAGS.has(tag), tag).toBe(true);
        for (const attribute of attributesOf(html)) expect(SAFE_ATTRIBUTES.has(attribute), attribute).toBe(true);
        for (const href of hrefsOf(html)) expect(href).toMatch(/^(?:https?:\/\/|mailto:)/);
      }),
      { numRuns: 300 },
    );
  });

  it("R-TKT-2 an empty or blank body renders nothing", () => {
    expect(renderReplyMarkdown("")).toBe("");
    expect(renderReplyMarkdown(" \n\t\n")).toBe("");
  });

  it("R-OUT-5 R-TKT-2 a Markdown reply composed into a message: text is the source as written, HTML the rendering, and a subject with CR/LF creates no header", async () => {
    const source = "Hello **Alice**,\r\n\r\nBcc: evil@attacker.example\r\n<script>alert(1)</script>\r\n";
    const raw = await composeOutboundMessage({
      from: { address: "support@acme-msp.example", name: "Acme\r\nBcc: evil@attacker.example" },
      to: [{ address: "alice@client.example" }],
      subject: "Re: printer\r\nBcc: evil@attacker.example\r\nX-Injected: yes",
      text: source.replace(/\r\n/g, "\n"),
      html: renderReplyMarkdown(source),
      messageId: "om.acme.t1.m1.0123456789abcdef0123@acme-msp.example",
    });
    const parsed = await simpleParser(raw);
    expect(parsed.headers.has("bcc")).toBe(false);
    expect(parsed.headers.has("x-injected")).toBe(false);
    expect(parsed.subject).toBe("Re: printer Bcc: evil@attacker.example X-Injected: yes");
    expect(parsed.text).toBe("Hello **Alice**,\n\nBcc: evil@attacker.example\n<script>alert(1)</script>\n");
    expect(parsed.html).toContain("<strong>Alice</strong>");
    expect(parsed.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(parsed.html).not.toContain("<script>");
  });
});
