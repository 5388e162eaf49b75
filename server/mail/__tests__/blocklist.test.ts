import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { AppError } from "../../errors.ts";
import { globMatch, matchBlocklist, parseBlocklistInput } from "../blocklist.ts";

/** Reference glob: memoised recursion, obviously correct, only for small inputs. */
function referenceGlob(p: string, t: string): boolean {
  const pc = [...p];
  const tc = [...t];
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const k = `${i},${j}`;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === pc.length) r = j === tc.length;
    else if (pc[i] === "*") r = go(i + 1, j) || (j < tc.length && go(i, j + 1));
    else r = j < tc.length && (pc[i] === "?" || pc[i] === tc[j]) && go(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

function badInput(raw: string): AppError {
  try {
    parseBlocklistInput(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe("R-BL-1 blocklist input", () => {
  it("R-BL-1 classifies emails, domains and patterns, lower-cased", () => {
    expect(parseBlocklistInput("  Spammer@Example.COM ")).toEqual({ kind: "EMAIL", value: "spammer@example.com" });
    expect(parseBlocklistInput("Spam-Domain.co")).toEqual({ kind: "DOMAIN", value: "spam-domain.co" });
    expect(parseBlocklistInput("@spam-domain.co")).toEqual({ kind: "DOMAIN", value: "spam-domain.co" });
    expect(parseBlocklistInput("example.com.")).toEqual({ kind: "DOMAIN", value: "example.com" });
    expect(parseBlocklistInput("*@Spam-Domain.co")).toEqual({ kind: "PATTERN", value: "*@spam-domain.co" });
    expect(parseBlocklistInput("sales?@*.example.org")).toEqual({ kind: "PATTERN", value: "sales?@*.example.org" });
  });

  it("R-BL-1 converts IDN domains to A-labels", () => {
    expect(parseBlocklistInput("bücher.example")).toEqual({ kind: "DOMAIN", value: "xn--bcher-kva.example" });
    expect(parseBlocklistInput("Info@Bücher.example")).toEqual({ kind: "EMAIL", value: "info@xn--bcher-kva.example" });
    expect(parseBlocklistInput("*@bücher.example")).toEqual({ kind: "PATTERN", value: "*@xn--bcher-kva.example" });
  });

  it("R-BL-1 rejects invalid input with a plain message on the value field", () => {
    for (const raw of [
      "",
      "   ",
      "a b@example.com",
      "*",
      "**",
      "*@*",
      "?",
      "a@@example.com",
      "a@b@example.com",
      "@",
      "user@",
      "@example",
      "localhost",
      "-bad-.com",
      "exa_mple.com",
      "1.2.3.4",
      "user@1.2.3.4",
      ".a@example.com",
      "a..b@example.com",
      "x".repeat(300) + ".com",
      "a\u0000b.com",
      "(*)@example.com",
    ]) {
      const err = badInput(raw);
      expect(err.code).toBe("BAD_INPUT");
      expect(err.field).toBe("value");
      expect(err.message.length).toBeGreaterThan(10);
    }
  });

  it("R-BL-1 property: never throws anything but AppError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: "binary" }), (s) => {
        try {
          const r = parseBlocklistInput(s);
          expect(["EMAIL", "DOMAIN", "PATTERN"]).toContain(r.kind);
          expect(r.value).toBe(r.value.toLowerCase());
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("R-IN-4 blocklist matching", () => {
  const entries = [
    { id: "e1", kind: "EMAIL", value: "bad@example.com" },
    { id: "d1", kind: "DOMAIN", value: "spam-domain.co" },
    { id: "p1", kind: "PATTERN", value: "*@*.phish.example" },
    { id: "p2", kind: "PATTERN", value: "sales?@vendor.example" },
    { id: "i1", kind: "DOMAIN", value: "xn--bcher-kva.example" },
  ];

  it("R-IN-4 matches a full address case-insensitively", () => {
    expect(matchBlocklist(entries, "BAD@Example.com")?.id).toBe("e1");
    expect(matchBlocklist(entries, "<bad@example.com>")?.id).toBe("e1");
    expect(matchBlocklist(entries, "good@example.com")).toBeNull();
  });

  it("R-IN-4 a domain matches itself and its subdomains, not look-alikes", () => {
    expect(matchBlocklist(entries, "x@spam-domain.co")?.id).toBe("d1");
    expect(matchBlocklist(entries, "x@mail.Spam-Domain.co.")?.id).toBe("d1");
    expect(matchBlocklist(entries, "x@notspam-domain.co")).toBeNull();
    expect(matchBlocklist(entries, "spam-domain.co@elsewhere.example")).toBeNull();
    expect(matchBlocklist(entries, "info@bücher.example")?.id).toBe("i1");
  });

  it("R-IN-4 patterns use * and ? over the whole address", () => {
    expect(matchBlocklist(entries, "a@x.phish.example")?.id).toBe("p1");
    expect(matchBlocklist(entries, "a@phish.example")).toBeNull();
    expect(matchBlocklist(entries, "sales1@vendor.example")?.id).toBe("p2");
    expect(matchBlocklist(entries, "sales@vendor.example")).toBeNull();
    expect(matchBlocklist(entries, "sales12@vendor.example")).toBeNull();
  });

  it("R-IN-4 returns the first matching entry and ignores null senders", () => {
    const both = [
      { id: "first", kind: "PATTERN", value: "*@example.com" },
      { id: "second", kind: "EMAIL", value: "bad@example.com" },
    ];
    expect(matchBlocklist(both, "bad@example.com")?.id).toBe("first");
    expect(matchBlocklist(both, "")).toBeNull();
    expect(matchBlocklist(both, "<>")).toBeNull();
  });

  it("R-IN-4 property: the glob matcher agrees with a reference implementation on small inputs", () => {
    const alpha = fc.constantFrom("a", "b", "@", ".", "*", "?");
    const text = fc.constantFrom("a", "b", "@", ".");
    fc.assert(
      fc.property(fc.array(alpha, { maxLength: 8 }), fc.array(text, { maxLength: 10 }), (p, t) => {
        expect(globMatch(p.join(""), t.join(""))).toBe(referenceGlob(p.join(""), t.join("")));
      }),
      { numRuns: 5000 },
    );
  });

  it("R-IN-4 property: no crash and no hang on long hostile inputs", () => {
    // The classic catastrophic-backtracking shape for regex engines.
    const hostile = "*a".repeat(120) + "*b";
    const address = `${"a".repeat(5000)}@example.com`;
    expect(globMatch(hostile, address)).toBe(false);
    expect(matchBlocklist([{ id: "h", kind: "PATTERN", value: hostile }], address)).toBeNull();
    fc.assert(
      fc.property(
        fc.string({ maxLength: 254 }),
        fc.string({ maxLength: 2000 }),
        fc.constantFrom("EMAIL", "DOMAIN", "PATTERN", "OTHER"),
        (v, s, kind) => {
          expect(() => matchBlocklist([{ id: "x", kind, value: v }], s)).not.toThrow();
        },
      ),
      { numRuns: 1000 },
    );
  });
});
