import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appError } from "../../test/support/app-error";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { createTenant } from "../tenants/create-tenant";
import { addContact } from "./add-contact";
import { createClient } from "./create-client";
import { deleteClient } from "./delete-client";
import { getClient } from "./get-client";
import { listClients } from "./list-clients";
import { removeContact } from "./remove-contact";
import { updateClient } from "./update-client";
import { updateContact } from "./update-contact";

describe.each(testProviders())("clients and contacts on %s", (provider) => {
  let t: TestDatabase;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantA = (await createTenant(t.db, { slug: "alpha", name: "Alpha MSP" })).id;
    tenantB = (await createTenant(t.db, { slug: "bravo", name: "Bravo MSP" })).id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it("R-IN-5 stores primary and alias domains lower-cased as A-labels and shows U-labels", async () => {
    const { id } = await createClient(t.db, tenantA, {
      name: "Bücher GmbH",
      primaryDomain: " Bücher.DE ",
      aliasDomains: ["Buecher-Shop.com", ""],
    });
    const rows = await t.db.clientDomain.findMany({ where: { clientId: id }, orderBy: { domain: "asc" } });
    expect(rows.map((r) => [r.domain, r.isPrimary, r.tenantId])).toEqual([
      ["buecher-shop.com", false, tenantA],
      ["xn--bcher-kva.de", true, tenantA],
    ]);
    const client = await getClient(t.db, tenantA, id);
    expect(client.primaryDomain).toBe("bücher.de");
    expect(client.aliasDomains).toEqual(["buecher-shop.com"]);
  });

  it("R-IN-5 refuses an invalid domain with an error on its field", async () => {
    const err = await appError(createClient(t.db, tenantA, { name: "Bad", primaryDomain: "acme.com", aliasDomains: ["ok.com", "no way"] }));
    expect(err.code).toBe("BAD_INPUT");
    expect(err.field).toBe("aliasDomains.1");
    const primary = await appError(createClient(t.db, tenantA, { name: "Bad", primaryDomain: "localhost" }));
    expect(primary.field).toBe("primaryDomain");
  });

  it("R-UNA-1 refuses free-mail domains as client domains", async () => {
    const err = await appError(createClient(t.db, tenantA, { name: "Free", primaryDomain: "Gmail.com" }));
    expect(err.code).toBe("BAD_INPUT");
    expect(err.field).toBe("primaryDomain");
    expect(err.message).toMatch(/free-mail/);
  });

  it("R-TEN-1 a domain is unique within a tenant (naming the owner) but allowed in another tenant", async () => {
    await createClient(t.db, tenantA, { name: "Acme", primaryDomain: "acme.com", aliasDomains: ["acme.io"] });
    const err = await appError(createClient(t.db, tenantA, { name: "Acme Two", primaryDomain: "ACME.IO" }));
    expect(err.code).toBe("CONFLICT");
    expect(err.field).toBe("primaryDomain");
    expect(err.message).toContain("“Acme”");
    const other = await createClient(t.db, tenantB, { name: "Acme", primaryDomain: "acme.com", aliasDomains: ["acme.io"] });
    expect(other.id).toBeTruthy();
  });

  it("refuses the same domain twice in one client", async () => {
    const err = await appError(createClient(t.db, tenantA, { name: "Twice", primaryDomain: "twice.com", aliasDomains: ["TWICE.com"] }));
    expect(err.field).toBe("aliasDomains.0");
  });

  it("R-TEN-1 lists, reads, changes and deletes only the caller's tenant's clients", async () => {
    const a = await createClient(t.db, tenantA, { name: "Only A", primaryDomain: "only-a.com" });
    const listB = await listClients(t.db, tenantB);
    expect(listB.map((c) => c.name)).not.toContain("Only A");
    expect((await appError(getClient(t.db, tenantB, a.id))).code).toBe("NOT_FOUND");
    expect((await appError(updateClient(t.db, tenantB, { clientId: a.id, name: "Stolen" }))).code).toBe("NOT_FOUND");
    expect((await appError(deleteClient(t.db, tenantB, a.id))).code).toBe("NOT_FOUND");
    expect((await appError(addContact(t.db, tenantB, { clientId: a.id, email: "x@only-a.com" }))).code).toBe("NOT_FOUND");
    expect((await getClient(t.db, tenantA, a.id)).name).toBe("Only A");
  });

  it("searches by name, domain (Unicode or punycode) and contact email, with counts", async () => {
    const { id } = await createClient(t.db, tenantA, { name: "Search Me Ltd", primaryDomain: "searchme.net" });
    await addContact(t.db, tenantA, { clientId: id, name: "Sam", email: "Sam.Smith@SearchMe.net" });
    const byName = await listClients(t.db, tenantA, { search: "search me" });
    expect(byName.map((c) => c.name)).toEqual(["Search Me Ltd"]);
    expect(byName[0]?.contactCount).toBe(1);
    expect((await listClients(t.db, tenantA, { search: "searchme.n" })).map((c) => c.name)).toEqual(["Search Me Ltd"]);
    expect((await listClients(t.db, tenantA, { search: "bücher" })).map((c) => c.name)).toEqual(["Bücher GmbH"]);
    expect((await listClients(t.db, tenantA, { search: "sam.smith" })).map((c) => c.name)).toEqual(["Search Me Ltd"]);
    expect(await listClients(t.db, tenantA, { search: "nothing-like-this" })).toEqual([]);
  });

  it("updates the domain set: keeps, adds, removes and re-assigns the primary", async () => {
    const { id } = await createClient(t.db, tenantA, { name: "Mover", primaryDomain: "mover.com", aliasDomains: ["mover.org"] });
    await updateClient(t.db, tenantA, { clientId: id, name: "Mover Inc", primaryDomain: "mover.org", aliasDomains: ["mover.dev"] });
    const client = await getClient(t.db, tenantA, id);
    expect(client.name).toBe("Mover Inc");
    expect(client.primaryDomain).toBe("mover.org");
    expect(client.aliasDomains).toEqual(["mover.dev"]);
    // The dropped domain is free again for another client.
    await createClient(t.db, tenantA, { name: "Takes mover.com", primaryDomain: "mover.com" });
  });

  it("R-IN-5 contacts: lower-cased, unique per tenant (naming the client), editable and removable", async () => {
    const one = await createClient(t.db, tenantA, { name: "Contacts One", primaryDomain: "contacts-one.com" });
    const two = await createClient(t.db, tenantA, { name: "Contacts Two", primaryDomain: "contacts-two.com" });
    const c = await addContact(t.db, tenantA, { clientId: one.id, name: "Ann", email: " Ann@Contacts-ONE.com " });
    expect(c.email).toBe("ann@contacts-one.com");
    const dup = await appError(addContact(t.db, tenantA, { clientId: two.id, email: "ANN@contacts-one.com" }));
    expect(dup.code).toBe("CONFLICT");
    expect(dup.field).toBe("email");
    expect(dup.message).toContain("“Contacts One”");
    const bad = await appError(addContact(t.db, tenantA, { clientId: two.id, email: "not-an-address" }));
    expect(bad.field).toBe("email");
    // The same address may be a contact in another tenant.
    const b = await createClient(t.db, tenantB, { name: "B's client", primaryDomain: "contacts-one.com" });
    await addContact(t.db, tenantB, { clientId: b.id, email: "ann@contacts-one.com" });

    await updateContact(t.db, tenantA, { contactId: c.id, name: "Ann Lee", email: "ann.lee@contacts-one.com" });
    expect((await getClient(t.db, tenantA, one.id)).contacts).toEqual([
      expect.objectContaining({ name: "Ann Lee", email: "ann.lee@contacts-one.com" }),
    ]);
    expect((await appError(removeContact(t.db, tenantB, c.id))).code).toBe("NOT_FOUND");
    expect(await removeContact(t.db, tenantA, c.id)).toEqual({ id: c.id, deleted: true });
    expect((await getClient(t.db, tenantA, one.id)).contacts).toEqual([]);
  });

  it("deleting a client keeps its contacts without a client, and adding the address again re-attaches it", async () => {
    const gone = await createClient(t.db, tenantA, { name: "Gone", primaryDomain: "gone.com" });
    const contact = await addContact(t.db, tenantA, { clientId: gone.id, email: "pat@gone.com" });
    await deleteClient(t.db, tenantA, gone.id);
    const kept = await t.db.contact.findUnique({ where: { id: contact.id } });
    expect(kept?.clientId).toBeNull();
    const next = await createClient(t.db, tenantA, { name: "Next", primaryDomain: "gone.com" });
    const again = await addContact(t.db, tenantA, { clientId: next.id, name: "Pat", email: "pat@gone.com" });
    expect(again.id).toBe(contact.id);
  });
});
