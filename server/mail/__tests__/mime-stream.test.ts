import { createHash, randomBytes } from "node:crypto";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { parseMime } from "../mime-stream";

const OPTIONS = { checksumAlgo: "sha256", skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true, skipHtmlToText: true };

function part(boundary: string, name: string, encoding: "base64" | "quoted-printable" | "8bit", content: Buffer): string {
  const body =
    encoding === "base64"
      ? content.toString("base64").replace(/.{76}/g, "$&\r\n")
      : encoding === "quoted-printable"
        ? content.toString("latin1").replace(/[=\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`)
        : content.toString("latin1");
  return [
    `--${boundary}`,
    `Content-Type: application/octet-stream; name="${name}"`,
    `Content-Disposition: attachment; filename="${name}"`,
    `Content-Transfer-Encoding: ${encoding}`,
    "",
    body,
  ].join("\r\n");
}

describe("parseMime (issue 19 item 13: large attachments without a second copy)", () => {
  it("gives what mailparser's simpleParser gives, byte for byte, for small and large parts in any encoding", async () => {
    const text = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `line ${i} ü=\r\n`).join(""), "latin1");
    const files = [
      { name: "small.bin", encoding: "base64" as const, content: randomBytes(1000) },
      { name: "large-1.bin", encoding: "base64" as const, content: randomBytes(3 * 1024 * 1024 + 7) },
      { name: "large-2.txt", encoding: "quoted-printable" as const, content: text(60_000) },
      { name: "large-3.txt", encoding: "8bit" as const, content: text(40_000) },
      { name: "large-4.bin", encoding: "base64" as const, content: randomBytes(2 * 1024 * 1024) },
    ];
    const boundary = "b-mime-stream";
    const raw = Buffer.from(
      [
        "From: a@example.test",
        "To: b@example.test",
        "Subject: parts",
        "Message-ID: <parts@example.test>",
        "MIME-Version: 1.0",
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        "",
        `--${boundary}`,
        "Content-Type: text/plain; charset=utf-8",
        "",
        "See the files.",
        ...files.map((f) => part(boundary, f.name, f.encoding, f.content)),
        `--${boundary}--`,
        "",
      ].join("\r\n"),
      "latin1",
    );
    const ours = await parseMime(raw, OPTIONS);
    const theirs = await simpleParser(raw, { ...OPTIONS, keepCidLinks: true });
    expect(ours.attachments.map((a) => a.filename)).toEqual(files.map((f) => f.name));
    for (const [i, f] of files.entries()) {
      const a = ours.attachments[i]!;
      expect(a.content.equals(theirs.attachments[i]!.content), f.name).toBe(true);
      expect(a.size).toBe(theirs.attachments[i]!.size);
      expect(a.checksum).toBe(createHash("sha256").update(a.content).digest("hex"));
      expect(a.release).toBeNull();
      if (f.encoding !== "quoted-printable") expect(a.content.equals(f.content), f.name).toBe(true);
    }
    expect(ours.text).toBe(theirs.text);
    expect(ours.subject).toBe("parts");
    expect(ours.messageId).toBe(theirs.messageId);
    expect(ours.headerLines).toEqual(theirs.headerLines);
  });
});
