import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { startDnsServer, type TestDnsServer } from "../../test/support/dns-server";
import { createResolver } from "../dns/resolver";
import { resetEnvCache } from "../env";
import { startRecheckJob } from "../sending-domains";
import { createTenant } from "../tenants/create-tenant";
import { createUser } from "../users/create-user";
import type { Role } from "../users/roles";
import { createContextInner } from "./init";
import { createCaller } from "./routers/_app";

const SPF_INCLUDE = "_spf.gw.test";
const INBOUND = "in.gw.test";

async function trpcError(promise: Promise<unknown>): Promise<TRPCError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TRPCError) return err;
    throw err;
  }
  throw new Error("expected a TRPCError");
}

// The router reads DNS_SERVERS, SPF_INCLUDE, INBOUND_DOMAIN and APP_SECRET from the environment: point it at the
// test DNS server before the first call (the router keeps one resolver per process).
let dns: TestDnsServer;
const saved = { ...process.env };
beforeAll(async () => {
  dns = await startDnsServer();
  Object.assign(process.env, {
    DNS_SERVERS: dns.address,
    SPF_INCLUDE,
    INBOUND_DOMAIN: INBOUND,
    APP_SECRET: "router-test-secret-0123456789-0123456789",
  });
  resetEnvCache();
});
afterAll(async () => {
  for (const k of ["DNS_SERVERS", "SPF_INCLUDE", "INBOUND_DOMAIN", "APP_SECRET"]) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  resetEnvCache();
  await dns.close();
});

describe.each(testProviders())("sending-domains router on %s", (provider) => {
  let t: TestDatabase;
  const users: Record<Role, string> = { ADMIN: "", TECHNICIAN: "", SUPPORT: "" };
  let otherAdmin = "";
  let clientId = "";
  const slug = `sd${provider.slice(0, 2)}`;
  // Each provider gets its own domains, so the shared DNS server's records never cross the two runs.
  const domain = `${slug}-msp.example`;
  const callerFor = (userId: string) => createCaller(createContextInner({ db: t.db, session: { sessionId: `s-${userId}`, userId } }));

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    const tenant = await createTenant(t.db, { slug, name: "Acme MSP" });
    for (const role of ["ADMIN", "TECHNICIAN", "SUPPORT"] as const) {
      users[role] = (
        await createUser(t.db, tenant.id, { name: `Tess ${role}`, email: `${role.toLowerCase()}@${slug}.test`, role, password: "correct horse battery" })
      ).id;
    }
    const other = await createTenant(t.db, { slug: `${slug}other`, name: "Other MSP" });
    otherAdmin = (await createUser(t.db, other.id, { name: "O", email: `admin@${slug}other.test`, role: "ADMIN", password: "correct horse battery" })).id;
    clientId = (await callerFor(users.ADMIN).clients.create({ name: "Client Co", primaryDomain: `client-${slug}.example`, aliasDomains: [] })).id;
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("R-TEN-4 sending domains are admin-only; technicians and support are refused", async () => {
    for (const role of ["TECHNICIAN", "SUPPORT"] as const) {
      const c = callerFor(users[role]);
      expect((await trpcError(c.sendingDomains.list())).code).toBe("FORBIDDEN");
      expect((await trpcError(c.sendingDomains.add({ domain: "x.example" }))).code).toBe("FORBIDDEN");
      expect((await trpcError(c.sendingDomains.setTenantDefault({ address: "a@x.example" }))).code).toBe("FORBIDDEN");
      expect((await trpcError(c.clients.setSendingOverride({ clientId, sendingDomainId: null }))).code).toBe("FORBIDDEN");
    }
  });

  it("R-DOM-1 R-DOM-3 R-DOM-4 add → records → publish → verify → use, through the router", async () => {
    const admin = callerFor(users.ADMIN);
    const bad = await trpcError(admin.sendingDomains.add({ domain: "not a domain" }));
    expect([bad.code, bad.cause]).toMatchObject(["BAD_REQUEST", { field: "domain" }]);

    // The domain already publishes SPF: the page shows one merged record.
    dns.set(domain, [{ type: "TXT", data: "v=spf1 mx -all" }]);
    const added = await admin.sendingDomains.add({ domain: domain.toUpperCase() });
    expect(added.domain).toBe(domain);
    const details = await admin.sendingDomains.get({ id: added.id });
    expect(details.records.spf.value).toBe(`v=spf1 mx include:${SPF_INCLUDE} -all`);
    expect(details.records.spf.note).toMatch(/merged/);
    expect(details.records.dmarc.value).toBe(`v=DMARC1; p=none; rua=mailto:dmarc-reports@${slug}.${INBOUND}`);
    expect(details.records.dkim.chunks.every((c) => c.length <= 255)).toBe(true);
    expect(details.check).toBeNull();
    expect(details.spfLookupProblem).toBeNull();
    expect(JSON.stringify(details)).not.toMatch(/PRIVATE KEY|dkimPrivateKeyEnc/);
    expect((await admin.sendingDomains.list()).map((d) => [d.domain, d.spfStatus, d.verified])).toEqual([[domain, "unchecked", false]]);
    // Another tenant never sees it.
    expect(await callerFor(otherAdmin).sendingDomains.list()).toEqual([]);
    expect((await trpcError(callerFor(otherAdmin).sendingDomains.get({ id: added.id }))).code).toBe("NOT_FOUND");

    // Unverified: every From setting refuses it with a message naming the unmet records.
    const tech = callerFor(users.TECHNICIAN);
    const sendAs = await trpcError(tech.profile.setSendAs({ address: `tess@${domain}` }));
    expect([sendAs.code, sendAs.cause]).toMatchObject(["PRECONDITION_FAILED", { field: "sendAsAddress" }]);
    expect(sendAs.message).toMatch(/not a verified sending domain/);
    const override = await trpcError(admin.clients.setSendingOverride({ clientId, sendingDomainId: added.id }));
    expect([override.code, override.cause]).toMatchObject(["PRECONDITION_FAILED", { field: "sendingDomainId" }]);

    let check = await admin.sendingDomains.verify({ id: added.id });
    expect([check.spf.status, check.dkim.status, check.dmarc.status]).toEqual(["wrong", "missing", "missing"]);
    expect(check.spf.found).toEqual(["v=spf1 mx -all"]);

    dns.set(domain, [{ type: "TXT", data: details.records.spf.chunks }]);
    dns.set(details.records.dkim.host, [{ type: "TXT", data: details.records.dkim.chunks }]);
    dns.set(details.records.dmarc.host, [{ type: "TXT", data: details.records.dmarc.chunks }]);
    check = await admin.sendingDomains.verify({ id: added.id });
    expect([check.spf.status, check.dkim.status, check.dmarc.status, check.verified]).toEqual(["verified", "verified", "verified", true]);
    const [row] = await admin.sendingDomains.list();
    expect(row).toMatchObject({ spfStatus: "verified", dkimStatus: "verified", dmarcStatus: "verified", verified: true, drift: null });
    expect(row!.lastCheckedAt).toBeInstanceOf(Date);

    // Verified: the settings take it, and each reads back.
    await admin.sendingDomains.setTenantDefault({ address: `support@${domain}`, name: "Acme Support" });
    expect(await admin.sendingDomains.tenantDefault()).toMatchObject({ address: `support@${domain}`, name: "Acme Support" });
    await tech.profile.setSendAs({ address: `Tess@${domain.toUpperCase()}`, name: "Tess from Acme" });
    expect(await tech.profile.sendAs()).toMatchObject({
      address: `Tess@${domain}`,
      name: "Tess from Acme",
      verifiedDomains: [{ id: added.id, domain }],
    });
    const wrongDomain = await trpcError(tech.profile.setSendAs({ address: "tess@elsewhere.example" }));
    expect([wrongDomain.code, wrongDomain.cause]).toMatchObject(["BAD_REQUEST", { field: "sendAsAddress" }]);
    expect(wrongDomain.message).toMatch(/elsewhere\.example is not one of your sending domains/);
    await admin.clients.setSendingOverride({ clientId, sendingDomainId: added.id, address: `help@${domain}` });
    expect(await tech.clients.sendingOverride({ id: clientId })).toMatchObject({
      sendingDomain: { id: added.id, domain, verified: true },
      address: `help@${domain}`,
    });
    expect((await admin.sendingDomains.get({ id: added.id })).usedBy).toEqual({ tenantDefault: true, clients: 1, users: 1 });
  });

  it("R-DOM-3 the scheduled re-check flags drift on the list until the records verify again", async () => {
    const admin = callerFor(users.ADMIN);
    const [row] = await admin.sendingDomains.list();
    const details = await admin.sendingDomains.get({ id: row!.id });
    const logs: string[] = [];
    const job = startRecheckJob({
      db: t.db,
      resolver: createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 }),
      spfInclude: SPF_INCLUDE,
      inboundDomain: INBOUND,
      // Every domain is due; the timer itself never fires during the test.
      maxAgeMs: -60_000,
      firstRunDelayMs: 3_600_000,
      log: (l) => logs.push(l),
    });
    try {
      dns.remove(details.records.dkim.host);
      const first = await job.runNow();
      expect(first?.drifted.map((d) => d.domain)).toEqual([domain]);
      expect(logs.join("\n")).toContain(`sending domain ${domain} is no longer verified: DKIM record at ${details.records.dkim.host} is missing`);
      let [listed] = await admin.sendingDomains.list();
      expect(listed).toMatchObject({ verified: false, dkimStatus: "missing" });
      expect(listed!.drift?.records).toEqual([`DKIM record at ${details.records.dkim.host} is missing`]);

      // Still broken at the next run: still flagged (not reported again).
      const second = await job.runNow();
      expect(second?.drifted).toEqual([]);
      [listed] = await admin.sendingDomains.list();
      expect(listed!.drift).not.toBeNull();

      dns.set(details.records.dkim.host, [{ type: "TXT", data: details.records.dkim.chunks }]);
      await job.runNow();
      [listed] = await admin.sendingDomains.list();
      expect(listed).toMatchObject({ verified: true, drift: null });
    } finally {
      await job.stop();
    }
    expect(await job.runNow()).toBeNull();
  });

  it("R-DOM-1 the records page survives a DNS failure while reading the current SPF record", async () => {
    const admin = callerFor(users.ADMIN);
    const added = await admin.sendingDomains.add({ domain: `servfail-${slug}.example` });
    // The test server answers every name; close a second one to make the look-up itself fail.
    const { sendingDomainDetails } = await import("../sending-domains");
    const dead = await startDnsServer();
    const deadAddress = dead.address;
    await dead.close();
    const details = await sendingDomainDetails(t.db, {
      tenantId: (await t.db.user.findUniqueOrThrow({ where: { id: users.ADMIN } })).tenantId,
      id: added.id,
      resolver: createResolver({ servers: [deadAddress], timeoutMs: 300, tries: 1 }),
      spfInclude: SPF_INCLUDE,
      inboundDomain: INBOUND,
    });
    expect(details.spfLookupProblem).toMatch(/could not be read/);
    expect(details.records.spf.value).toBe(`v=spf1 include:${SPF_INCLUDE} ~all`);
    await admin.sendingDomains.remove({ id: added.id });
    expect((await trpcError(admin.sendingDomains.get({ id: added.id }))).code).toBe("NOT_FOUND");
  });
});
