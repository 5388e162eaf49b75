import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appError } from "../../test/support/app-error";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { matchBlocklist } from "../mail/blocklist";
import { createTenant } from "../tenants/create-tenant";
import { createClient } from "../clients/create-client";
import { blocklistImpact } from "./block-impact";
import { addBlocklistEntry, blocklistHistory, listBlocklist, removeBlocklistEntry } from "./manage-blocklist";

describe.each(testProviders())("blocklist management on %s", (provider) => {
  let t: TestDatabase;
  let tenantA: string;
  let tenantB: string;
  let adminA: string;
  let otherAdminA: string;
  let adminB: string;

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantA = (await createTenant(t.db, { slug: "alpha", name: "Alpha MSP" })).id;
    tenantB = (await createTenant(t.db, { slug: "bravo", name: "Bravo MSP" })).id;
    const user = async (id: string, tenantId: string, name: string) =>
      (await t.db.user.create({ data: { id, tenantId, name, email: `${id}@example.com`, role: "ADMIN" } })).id;
    adminA = await user("ann", tenantA, "Ann Admin");
    otherAdminA = await user("bob", tenantA, "Bob Admin");
    adminB = await user("cat", tenantB, "Cat Admin");
  });
  afterAll(async () => {
    await t.drop();
  });

  it("R-BL-1 adds an address, a domain and a pattern, normalised, with the note and who added it", async () => {
    const email = await addBlocklistEntry(t.db, { tenantId: tenantA, userId: adminA, value: " Someone@Example.COM ", note: " pest " });
    expect(email).toMatchObject({ kind: "EMAIL", value: "someone@example.com", note: "pest", removedAt: null, dropCount: 0 });
    expect(email.createdBy).toEqual({ id: adminA, name: "Ann Admin", email: "ann@example.com" });
    const domain = await addBlocklistEntry(t.db, { tenantId: tenantA, userId: adminA, value: "Bücher.de" });
    expect(domain).toMatchObject({ kind: "DOMAIN", value: "xn--bcher-kva.de", note: null });
    const pattern = await addBlocklistEntry(t.db, { tenantId: tenantA, userId: adminA, value: "*@Spam-Domain.co", note: "" });
    expect(pattern).toMatchObject({ kind: "PATTERN", value: "*@spam-domain.co", note: null });

    const list = await listBlocklist(t.db, { tenantId: tenantA });
    expect(list.map((e) => e.value)).toEqual(["*@spam-domain.co", "xn--bcher-kva.de", "someone@example.com"]);
    // What was stored is what ingestion matches.
    expect(matchBlocklist(list, "x@spam-domain.co")?.id).toBe(pattern.id);
    expect(matchBlocklist(list, "a@mail.bücher.de")?.id).toBe(domain.id);
  });

  it("R-BL-1 refuses an entry that is already active, in plain words on the value field", async () => {
    const err = await appError(addBlocklistEntry(t.db, { tenantId: tenantA, userId: otherAdminA, value: "SOMEONE@example.com" }));
    expect(err.code).toBe("CONFLICT");
    expect(err.field).toBe("value");
    expect(err.message).toBe("The address someone@example.com is already blocked.");
    // The same value is fine in another tenant.
    const other = await addBlocklistEntry(t.db, { tenantId: tenantB, userId: adminB, value: "someone@example.com" });
    expect(other.kind).toBe("EMAIL");
  });

  it("R-BL-1 invalid patterns get a clear error on the value field and nothing is stored", async () => {
    const before = await t.db.blocklistEntry.count();
    for (const [value, message] of [
      ["", /Enter an email address, a domain or a pattern/],
      ["not a domain", /Spaces are not allowed/],
      ["*", /would block every sender/],
      ["a@@b.com", /exactly one @/],
      ["localhost", /not a valid domain/],
    ] as const) {
      const err = await appError(addBlocklistEntry(t.db, { tenantId: tenantA, userId: adminA, value }));
      expect(err.code).toBe("BAD_INPUT");
      expect(err.field).toBe("value");
      expect(err.message).toMatch(message);
    }
    const long = await appError(addBlocklistEntry(t.db, { tenantId: tenantA, userId: adminA, value: "x.com", note: "n".repeat(501) }));
    expect(long.field).toBe("note");
    expect(await t.db.blocklistEntry.count()).toBe(before);
  });

  it("R-BL-1 searches by value and note", async () => {
    expect((await listBlocklist(t.db, { tenantId: tenantA, search: "SPAM" })).map((e) => e.value)).toEqual(["*@spam-domain.co"]);
    expect((await listBlocklist(t.db, { tenantId: tenantA, search: "Pest" })).map((e) => e.value)).toEqual(["someone@example.com"]);
    expect(await listBlocklist(t.db, { tenantId: tenantA, search: "nothing-like-this" })).toEqual([]);
  });

  it("R-BL-1 unblocking keeps the row with who removed it; the value can be blocked again", async () => {
    const [entry] = await listBlocklist(t.db, { tenantId: tenantA, search: "someone@" });
    const removed = await removeBlocklistEntry(t.db, { tenantId: tenantA, userId: otherAdminA, id: entry!.id });
    expect(removed.removedAt).toBeInstanceOf(Date);
    expect(removed.removedBy?.name).toBe("Bob Admin");
    expect((await listBlocklist(t.db, { tenantId: tenantA })).map((e) => e.value)).not.toContain("someone@example.com");
    const all = await listBlocklist(t.db, { tenantId: tenantA, includeRemoved: true });
    expect(all.find((e) => e.id === entry!.id)?.removedAt).toBeInstanceOf(Date);
    // Removing twice is NOT_FOUND: it is no longer an active entry.
    expect((await appError(removeBlocklistEntry(t.db, { tenantId: tenantA, userId: adminA, id: entry!.id }))).code).toBe("NOT_FOUND");
    const again = await addBlocklistEntry(t.db, { tenantId: tenantA, userId: adminA, value: "someone@example.com" });
    expect(again.id).not.toBe(entry!.id);
  });

  it("R-BL-1 history lists adds and removals with who and when, newest first, limited", async () => {
    const history = await blocklistHistory(t.db, tenantA);
    expect(history.map((h) => `${h.action} ${h.value} ${h.by?.name ?? "-"}`)).toEqual([
      "ADDED someone@example.com Ann Admin",
      "REMOVED someone@example.com Bob Admin",
      "ADDED *@spam-domain.co Ann Admin",
      "ADDED xn--bcher-kva.de Ann Admin",
      "ADDED someone@example.com Ann Admin",
    ]);
    for (let i = 1; i < history.length; i++) expect(history[i - 1]!.at >= history[i]!.at).toBe(true);
    expect(await blocklistHistory(t.db, tenantA, 2)).toHaveLength(2);
  });

  it("R-BL-1 tenants are isolated: another tenant's entries are not listed, removable or in its history", async () => {
    const [mine] = await listBlocklist(t.db, { tenantId: tenantB });
    const err = await appError(removeBlocklistEntry(t.db, { tenantId: tenantA, userId: adminA, id: mine!.id }));
    expect(err.code).toBe("NOT_FOUND");
    expect((await t.db.blocklistEntry.findUniqueOrThrow({ where: { id: mine!.id } })).removedAt).toBeNull();
    expect((await listBlocklist(t.db, { tenantId: tenantB })).map((e) => e.value)).toEqual(["someone@example.com"]);
    expect((await blocklistHistory(t.db, tenantB)).map((h) => h.by?.name)).toEqual(["Cat Admin"]);
    expect((await appError(removeBlocklistEntry(t.db, { tenantId: tenantA, userId: adminA, id: "nope" }))).code).toBe("NOT_FOUND");
  });
  it("R-BL-1 guards: a free-mail domain whole, a client's domain or the tenant's own address asks for confirmation naming what it drops", async () => {
    const INBOUND = "in.guard.test";
    // A tenant of its own: the other cases read tenant A's list and history.
    const tenantA = (await createTenant(t.db, { slug: "charlie", name: "Charlie MSP" })).id;
    const adminA = (await t.db.user.create({ data: { id: "dan", tenantId: tenantA, name: "Dan Admin", email: "dan@example.com", role: "ADMIN" } })).id;
    const otherAdminA = (await t.db.user.create({ data: { id: "eve", tenantId: tenantA, name: "Eve Admin", email: "eve@example.com", role: "ADMIN" } })).id;
    await createClient(t.db, tenantA, { name: "Contoso Guard", primaryDomain: "contoso-guard.example" });
    await t.db.user.update({ where: { id: otherAdminA }, data: { sendAsAddress: "bob@own-msp-guard.example" } });
    const cases: [string, RegExp][] = [
      ["gmail.com", /gmail\.com is a free-mail provider/],
      ["contoso-guard.example", /contoso-guard\.example is a domain of the client “Contoso Guard”/],
      ["*@*.contoso-guard.example", /^$/],
      ["*@contoso-guard.*", /contoso-guard\.example is a domain of the client “Contoso Guard”/],
      ["support@charlie.in.guard.test", /your own address support@charlie\.in\.guard\.test/],
      ["charlie.in.guard.test", /your own address support@charlie\.in\.guard\.test/],
      ["bob@own-msp-guard.example", /your own address bob@own-msp-guard\.example/],
    ];
    for (const [value, expected] of cases) {
      const impact = await blocklistImpact(t.db, { tenantId: tenantA, inboundDomain: INBOUND, value });
      expect(impact.join(" "), value).toMatch(expected);
      if (!impact.length) continue;
      const err = await appError(addBlocklistEntry(t.db, { tenantId: tenantA, userId: adminA, value, inboundDomain: INBOUND }));
      expect([err.code, err.field], value).toEqual(["PRECONDITION", "value"]);
      expect(err.message).toMatch(expected);
    }
    expect((await listBlocklist(t.db, { tenantId: tenantA, search: "guard" })).length).toBe(0);
    // Confirmed, it is blocked; an ordinary domain needs no confirmation; another tenant's client is not named.
    const confirmed = await addBlocklistEntry(t.db, { tenantId: tenantA, userId: adminA, value: "contoso-guard.example", inboundDomain: INBOUND, confirmed: true });
    expect(confirmed).toMatchObject({ kind: "DOMAIN", value: "contoso-guard.example" });
    expect(await blocklistImpact(t.db, { tenantId: tenantA, inboundDomain: INBOUND, value: "spam-guard.example" })).toEqual([]);
    expect(await blocklistImpact(t.db, { tenantId: tenantB, inboundDomain: INBOUND, value: "contoso-guard.example" })).toEqual([]);
  });

});
