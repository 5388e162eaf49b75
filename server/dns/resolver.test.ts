import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachingResolver, createResolver, type Resolver } from "./resolver";
import { startDnsServer, type TestDnsServer } from "../../test/support/dns-server";

// R-IN-2: inbound authentication's DNS answers are reused for DNS_CACHE_SECONDS, against a real DNS server.
describe("cachingResolver", () => {
  let dns: TestDnsServer;
  let resolver: Resolver;
  let clock = 0;
  const now = () => clock;
  const asked = (name: string) => dns.queries.filter((q) => q.name === name).length;

  beforeAll(async () => {
    dns = await startDnsServer({
      "cached.example": [{ type: "TXT", data: ["v=spf1 ", "ip4:192.0.2.1 -all"] }],
      "_dmarc.cached.example": [{ type: "TXT", data: "v=DMARC1; p=reject" }],
    });
    resolver = createResolver({ servers: [dns.address], timeoutMs: 500, tries: 1 });
  });
  afterAll(() => dns.close());

  it("answers a name again from memory until the lifetime ends, then asks again (and sees a changed record)", async () => {
    const cached = cachingResolver(resolver, { ttlMs: 60_000, now });
    expect(await cached("cached.example", "TXT")).toEqual([["v=spf1 ", "ip4:192.0.2.1 -all"]]);
    expect(await cached("CACHED.example.", "TXT")).toEqual([["v=spf1 ", "ip4:192.0.2.1 -all"]]);
    expect(asked("cached.example")).toBe(1);

    dns.set("cached.example", [{ type: "TXT", data: "v=spf1 -all" }]);
    clock += 59_000;
    expect(await cached("cached.example", "TXT")).toEqual([["v=spf1 ", "ip4:192.0.2.1 -all"]]);
    clock += 2_000;
    expect(await cached("cached.example", "TXT")).toEqual([["v=spf1 -all"]]);
    expect(asked("cached.example")).toBe(2);
  });

  it("concurrent asks for one name share a single query; callers get copies, not the cached answer itself", async () => {
    const cached = cachingResolver(resolver, { ttlMs: 60_000, now });
    const before = asked("_dmarc.cached.example");
    const answers = await Promise.all(Array.from({ length: 5 }, () => cached("_dmarc.cached.example", "TXT")));
    expect(asked("_dmarc.cached.example")).toBe(before + 1);
    answers[0]![0]![0] = "changed by a caller";
    expect(await cached("_dmarc.cached.example", "TXT")).toEqual([["v=DMARC1; p=reject"]]);
  });

  it("keeps 'no such record' for its own lifetime", async () => {
    const cached = cachingResolver(resolver, { ttlMs: 60_000, negativeTtlMs: 5_000, now });
    await expect(cached("missing.example", "TXT")).rejects.toMatchObject({ code: expect.stringMatching(/ENOTFOUND|ENODATA/) as unknown });
    await expect(cached("missing.example", "TXT")).rejects.toMatchObject({ code: expect.stringMatching(/ENOTFOUND|ENODATA/) as unknown });
    expect(asked("missing.example")).toBe(1);
    dns.set("missing.example", [{ type: "TXT", data: "v=spf1 -all" }]);
    clock += 6_000;
    expect(await cached("missing.example", "TXT")).toEqual([["v=spf1 -all"]]);
  });

  it("never keeps a failure: a DNS server that does not answer is asked again next time", async () => {
    const dead = await startDnsServer({});
    const deadAddress = dead.address;
    await dead.close();
    let calls = 0;
    const inner = createResolver({ servers: [deadAddress], timeoutMs: 200, tries: 1 });
    const counting = ((name: string, rrtype: string) => {
      calls++;
      return inner(name, rrtype);
    }) as Resolver;
    const cached = cachingResolver(counting, { ttlMs: 60_000, now });
    await expect(cached("cached.example", "TXT")).rejects.toBeInstanceOf(Error);
    await expect(cached("cached.example", "TXT")).rejects.toBeInstanceOf(Error);
    expect(calls).toBe(2);
  });

  it("holds at most maxEntries names, dropping the oldest", async () => {
    let calls = 0;
    const counting = ((name: string): Promise<unknown> => {
      calls++;
      return Promise.resolve([[name]]);
    }) as Resolver;
    const cached = cachingResolver(counting, { ttlMs: 60_000, maxEntries: 2, now });
    for (const name of ["a.example", "b.example", "c.example"]) await cached(name, "TXT");
    await cached("c.example", "TXT");
    expect(calls).toBe(3);
    await cached("a.example", "TXT");
    expect(calls).toBe(4);
  });
});
