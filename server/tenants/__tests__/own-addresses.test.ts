/**
 * The one own-address rule (issue 15 item 5; R-IN-9 never acknowledges the tenant's own addresses, R-UX-3 never
 * lists them as ticket participants), on every provider of testProviders(): default From, users' addresses and
 * send-as addresses, clients' own From addresses, sending domains and the gateway's inbound domain are the tenant's
 * own; another tenant's are not.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClientRow, createTenantRow } from "../../../test/support/gateway-data";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { isOwnAddress, loadOwnAddresses } from "../own-addresses";

const INBOUND = "in.own.test";

describe.each(testProviders())("own addresses on %s", (provider) => {
  let t: TestDatabase;
  let acme: string;
  let other: string;

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    acme = (await createTenantRow(t.db, "acme")).id;
    other = (await createTenantRow(t.db, "other")).id;
    await t.db.tenant.update({ where: { id: acme }, data: { defaultFromAddress: "Support@Acme-MSP.example" } });
    await t.db.user.create({ data: { id: "u-acme", name: "Tess", email: "tess@tech.example", sendAsAddress: "tess@desk.example", tenantId: acme } });
    await t.db.user.create({ data: { id: "u-other", name: "Olly", email: "olly@other.example", tenantId: other } });
    const client = await createClientRow(t.db, acme, { name: "Contoso", primaryDomain: "contoso.example" });
    await t.db.client.update({ where: { id: client.id }, data: { sendingAddress: "help@contoso-support.example" } });
    const key = { selector: "s1", dkimPublicKey: "x", dkimPrivateKeyEnc: "x" };
    await t.db.sendingDomain.create({ data: { tenantId: acme, domain: "acme-msp.example", ...key } });
    await t.db.sendingDomain.create({ data: { tenantId: other, domain: "other-msp.example", ...key } });
  });

  afterAll(async () => {
    await t?.drop();
  });

  it("R-IN-9 R-UX-3 recognises every kind of own address, in any case, and nothing of another tenant's", async () => {
    const own = await loadOwnAddresses(t.db, acme, INBOUND);
    const mine = [
      "support@acme-msp.example",
      "SUPPORT@ACME-MSP.EXAMPLE",
      "anyone@acme-msp.example",
      "tess@tech.example",
      "tess@desk.example",
      "help@contoso-support.example",
      "support@acme.in.own.test",
      "reply-abc-def@acme.in.own.test",
      "postmaster@in.own.test",
    ];
    const notMine = ["jane@contoso.example", "olly@other.example", "x@other-msp.example", "x@notin.own.test", "x@in.own.test.evil.example"];
    expect(mine.filter((a) => !isOwnAddress(own, a))).toEqual([]);
    expect(notMine.filter((a) => isOwnAddress(own, a))).toEqual([]);
  });
});
