import { describe, expect, it } from "vitest";
import { DEFAULT_NEXT, safeNext } from "./safe-next";

// Issue 19 item 2 (R-TEN-4): after sign-in the login page follows `next` only to a path on this site.
describe("safeNext (open redirect after sign-in)", () => {
  it.each([
    "/\\example.org/x", // what /login?next=/%5Cexample.org/x decodes to; browsers read \ as /
    "/\\127.0.0.1:8999/steal",
    "/\t/example.org", // /%09/host: the tab is dropped by the URL parser
    "/\n/example.org",
    "//example.org/x",
    "/.//example.org/x", // normalises to //example.org/x
    "/%2e//example.org",
    "https://example.org/x",
    "javascript:alert(1)",
    "\\\\example.org",
    "",
    "tickets",
  ])("refuses %j", (value) => {
    expect(safeNext(value)).toBe(DEFAULT_NEXT);
  });

  it.each([
    ["/tickets", "/tickets"],
    ["/clients?q=a%20b#top", "/clients?q=a%20b#top"],
    ["/tickets/abc/../def", "/tickets/def"],
  ])("keeps the same-site path %j", (value, expected) => {
    expect(safeNext(value)).toBe(expected);
  });

  it("refuses anything that is not one string", () => {
    expect(safeNext(["/tickets", "/clients"])).toBe(DEFAULT_NEXT);
    expect(safeNext(undefined)).toBe(DEFAULT_NEXT);
  });
});
