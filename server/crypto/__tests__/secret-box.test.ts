import { describe, expect, it } from "vitest";
import { deriveKey, open, openString, seal } from "../secret-box";

const secret = "s".repeat(40);

describe("secret-box (R-DOM-1: secrets encrypted at rest)", () => {
  it("R-DOM-1 round-trips text and bytes, with a fresh IV each time", () => {
    const a = seal(secret, "dkim-private-key", "-----BEGIN PRIVATE KEY-----\nabc");
    const b = seal(secret, "dkim-private-key", "-----BEGIN PRIVATE KEY-----\nabc");
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toBe(b);
    expect(openString(secret, "dkim-private-key", a)).toBe("-----BEGIN PRIVATE KEY-----\nabc");
    const bytes = Buffer.from([0, 1, 2, 255]);
    expect(open(secret, "x", seal(secret, "x", bytes)).equals(bytes)).toBe(true);
  });

  it("R-DOM-1 refuses a tampered value, a wrong secret, a wrong purpose and an unknown version", () => {
    const sealed = seal(secret, "dkim-private-key", "top secret");
    const [v, iv, data, tag] = sealed.split(".") as [string, string, string, string];
    const flipped = Buffer.from(data, "base64url");
    flipped[0] = flipped[0]! ^ 1;
    expect(() => open(secret, "dkim-private-key", [v, iv, flipped.toString("base64url"), tag].join("."))).toThrow(
      /authentication failed/,
    );
    expect(() => open("t".repeat(40), "dkim-private-key", sealed)).toThrow(/authentication failed/);
    expect(() => open(secret, "other-purpose", sealed)).toThrow(/authentication failed/);
    expect(() => open(secret, "dkim-private-key", sealed.replace(/^v1/, "v9"))).toThrow(/unrecognised/);
    expect(() => open(secret, "dkim-private-key", `${v}.${iv}.${data}`)).toThrow(/unrecognised/);
  });

  it("R-DOM-1 derives independent keys per purpose", () => {
    expect(deriveKey(secret, "a").equals(deriveKey(secret, "b"))).toBe(false);
    expect(deriveKey(secret, "a").equals(deriveKey(secret, "a"))).toBe(true);
    expect(deriveKey(secret, "a")).toHaveLength(32);
  });
});
