import { describe, expect, it } from "vitest";
import { badDomain, displayDomain, displayEmail, domainAndParents, isFreeMailDomain, normaliseDomain } from "./domain-names";
import { AppError } from "./errors";

describe("domain names (R-IN-5: compared lower-cased and IDN-normalised)", () => {
  it("lower-cases and trims, drops a trailing dot and a leading @", () => {
    expect(normaliseDomain("  Example.COM. ")).toBe("example.com");
    expect(normaliseDomain("@acme.co.uk")).toBe("acme.co.uk");
  });

  it("stores IDN domains as A-labels and shows them as U-labels", () => {
    expect(normaliseDomain("Bücher.DE")).toBe("xn--bcher-kva.de");
    expect(normaliseDomain("xn--bcher-kva.de")).toBe("xn--bcher-kva.de");
    expect(displayDomain("xn--bcher-kva.de")).toBe("bücher.de");
    expect(displayEmail("anna@xn--bcher-kva.de")).toBe("anna@bücher.de");
  });

  it.each(["", "localhost", "exa mple.com", "a..b", "-x.com", "x-.com", "1.2.3.4", "acme.com/path", "https://acme.com", "ex_ample.com", "me@acme.com", `${"a".repeat(64)}.com`])(
    "refuses %j",
    (input) => {
      expect(normaliseDomain(input)).toBeNull();
    },
  );

  it("a refused domain is BAD_INPUT naming the field", () => {
    try {
      badDomain("not a domain", "aliasDomains.2");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("BAD_INPUT");
      expect((err as AppError).field).toBe("aliasDomains.2");
    }
  });

  it("knows free-mail providers", () => {
    expect(isFreeMailDomain("gmail.com")).toBe(true);
    expect(isFreeMailDomain("outlook.com")).toBe(true);
    expect(isFreeMailDomain("acme.com")).toBe(false);
  });

  it("lists a domain and its parents down to two labels", () => {
    expect(domainAndParents("a.b.example.com")).toEqual(["a.b.example.com", "b.example.com", "example.com"]);
  });
});
