/**
 * R-STS-1, R-STS-2: the MTA-STS policy a tenant's policy host serves, the TXT records shown, and mode changes
 * with a new policy id each time (SQLite and PostgreSQL), over tRPC with its role checks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { createTenant } from "../../tenants/create-tenant";
import { createContextInner } from "../../trpc/init";
import { createCaller } from "../../trpc/routers/_app";
import { createUser } from "../../users/create-user";
import { loadEnv } from "../../env";
import { createResolver } from "../../dns/resolver";
import { startDnsServer } from "../../../test/support/dns-server";
import { deadPort } from "../../../test/support/mta";
import { checkMtaStsDns } from "../check-mta-sts-dns";
import { getMtaStsSettings, policyForHost, setMtaStsMode } from "../manage-mta-sts";
import {
  mtaStsNames,
  mtaStsPolicyText,
  POLICY_ID_RE,
  slugFromPolicyHost,
  stsRecordValue,
  tlsRptRecordValue,
} from "../policy";

/** The tRPC error code of a rejected call (domain tests may not import @trpc/server). */
const trpcCode = (e: unknown) => (e instanceof Error && "code" in e ? e.code : null);

const config = { inboundDomain: "in.example.net", mx: ["mx1.in.example.net", "*.mx.example.net"] };

describe("R-STS-1 policy text, names and records", () => {
  it("writes the RFC 8461 policy: version, mode, one mx line per host, max_age, CRLF", () => {
    expect(mtaStsPolicyText({ mode: "testing", mx: config.mx, maxAge: 604800 })).toBe(
      "version: STSv1\r\nmode: testing\r\nmx: mx1.in.example.net\r\nmx: *.mx.example.net\r\nmax_age: 604800\r\n",
    );
    expect(mtaStsPolicyText({ mode: "none", mx: ["mx.a.example"], maxAge: 99_999_999 })).toBe(
      "version: STSv1\r\nmode: none\r\nmx: mx.a.example\r\nmax_age: 31557600\r\n",
    );
  });

  it("names the policy host, URL and the _mta-sts and _smtp._tls records on the tenant subdomain", () => {
    const names = mtaStsNames("acme", "In.Example.Net.");
    expect(names).toEqual({
      policyDomain: "acme.in.example.net",
      policyHost: "mta-sts.acme.in.example.net",
      policyUrl: "https://mta-sts.acme.in.example.net/.well-known/mta-sts.txt",
      stsRecordName: "_mta-sts.acme.in.example.net",
      tlsRptRecordName: "_smtp._tls.acme.in.example.net",
      reportMailbox: "tls-reports@acme.in.example.net",
      reportUrl: "https://mta-sts.acme.in.example.net/api/tls-reports/acme",
    });
    expect(stsRecordValue("abc123")).toBe("v=STSv1; id=abc123");
    expect(() => stsRecordValue("not-valid!")).toThrow();
    expect(tlsRptRecordValue(names)).toBe(
      "v=TLSRPTv1; rua=mailto:tls-reports@acme.in.example.net,https://mta-sts.acme.in.example.net/api/tls-reports/acme",
    );
  });

  it("recognises only mta-sts.<slug>.<INBOUND_DOMAIN> hosts", () => {
    const d = "in.example.net";
    expect(slugFromPolicyHost("mta-sts.acme.in.example.net", d)).toBe("acme");
    expect(slugFromPolicyHost("MTA-STS.Acme.IN.example.net.:443", d)).toBe("acme");
    for (const bad of [
      null,
      "",
      "acme.in.example.net",
      "mta-sts.in.example.net",
      "mta-sts.a.b.in.example.net",
      "mta-sts.acme.in.example.net.evil.example",
      "mta-sts.acme.example.net",
      "mta-sts.-x.in.example.net",
      "[::1]:3000",
      "mta-sts.acme.in.example.net:abc",
    ]) {
      expect(slugFromPolicyHost(bad, d), String(bad)).toBeNull();
    }
  });

  it("MTA_STS_MX defaults to mx.<INBOUND_DOMAIN> and is validated", () => {
    expect(loadEnv({ INBOUND_DOMAIN: "in.example.net", APP_SECRET: "x".repeat(32) }).MTA_STS_MX).toEqual([
      "mx.in.example.net",
    ]);
    expect(
      loadEnv({ MTA_STS_MX: "MX1.example.com, *.mx.example.com.", APP_SECRET: "x".repeat(32) }).MTA_STS_MX,
    ).toEqual(["mx1.example.com", "*.mx.example.com"]);
    expect(() => loadEnv({ MTA_STS_MX: "not a host", APP_SECRET: "x".repeat(32) })).toThrow(/MTA_STS_MX/);
  });
});

describe.each(testProviders())("R-STS-2 mode changes on %s", (provider) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase(provider);
  });
  afterAll(async () => {
    await t.drop();
  });

  it("testing by default; each change serves the new mode under a new id and is kept in the history", async () => {
    const tenant = await createTenant(t.db, { slug: "sts-one", name: "One MSP" });
    await createTenant(t.db, { slug: "sts-two", name: "Two MSP" });
    const admin = await createUser(t.db, tenant.id, {
      name: "Ada Admin",
      email: "ada@sts-one.test",
      role: "ADMIN",
      password: "correct horse battery",
    });
    const host = "mta-sts.sts-one.in.example.net";

    const initial = await getMtaStsSettings(t.db, tenant.id, config);
    expect(initial).toMatchObject({ mode: "testing", policyDomain: "sts-one.in.example.net", history: [] });
    expect(initial.policyId).toMatch(POLICY_ID_RE);
    expect(initial.records.map((r) => [r.name, r.type, r.value])).toEqual([
      ["_mta-sts.sts-one.in.example.net", "TXT", `v=STSv1; id=${initial.policyId}`],
      [
        "_smtp._tls.sts-one.in.example.net",
        "TXT",
        "v=TLSRPTv1; rua=mailto:tls-reports@sts-one.in.example.net,https://mta-sts.sts-one.in.example.net/api/tls-reports/sts-one",
      ],
    ]);
    expect((await policyForHost(t.db, host, config))?.text).toContain("mode: testing\r\n");

    const ids = new Set([initial.policyId]);
    for (const mode of ["enforce", "none", "testing", "testing"] as const) {
      const changed = await setMtaStsMode(t.db, { tenantId: tenant.id, userId: admin.id, mode });
      expect(changed.mode).toBe(mode);
      expect(changed.policyId).toMatch(POLICY_ID_RE);
      ids.add(changed.policyId);
      const served = await policyForHost(t.db, host, config);
      expect(served).toMatchObject({ policyId: changed.policyId });
      expect(served!.text).toBe(mtaStsPolicyText({ mode, mx: config.mx, maxAge: 604800 }));
    }
    expect(ids.size).toBe(5);
    const after = await getMtaStsSettings(t.db, tenant.id, config);
    expect(after.history.map((h) => h.mode)).toEqual(["testing", "testing", "none", "enforce"]);
    expect(after.history[0]).toMatchObject({ policyId: after.policyId, by: { id: admin.id, name: "Ada Admin" } });
    expect(after.records[0]!.value).toBe(`v=STSv1; id=${after.policyId}`);

    // Unknown tenants and foreign hosts get no policy; another tenant's policy is its own.
    expect(await policyForHost(t.db, "mta-sts.nobody.in.example.net", config)).toBeNull();
    expect(await policyForHost(t.db, "mta-sts.sts-one.other.example", config)).toBeNull();
    expect((await policyForHost(t.db, "mta-sts.sts-two.in.example.net", config))?.text).toContain("mode: testing");
    // Behind a proxy: the forwarded host decides when it is a policy host, else the Host header.
    expect((await policyForHost(t.db, ["mta-sts.sts-two.in.example.net", host], config))?.text).toContain(
      "mode: testing",
    );
    expect((await policyForHost(t.db, [undefined, "proxy.internal", host], config))?.policyId).toBe(after.policyId);
  });

  it("R-STS-1 checks the published records: current id, an older id, missing, other report addresses, look-up failure", async () => {
    const tenant = await createTenant(t.db, { slug: "sts-dns", name: "DNS MSP" });
    const dns = await startDnsServer({});
    try {
      const resolver = createResolver({ servers: [dns.address], timeoutMs: 1_000, tries: 1 });
      const check = () => checkMtaStsDns(t.db, tenant.id, { ...config, resolver });
      const statuses = async () => (await check()).records.map((r) => r.status);
      expect(await statuses()).toEqual(["missing", "missing"]);

      const settings = await getMtaStsSettings(t.db, tenant.id, config);
      dns.set("_mta-sts.sts-dns.in.example.net", [{ type: "TXT", data: ["v=STSv1; ", `id=${settings.policyId}`] }]);
      dns.set("_smtp._tls.sts-dns.in.example.net", [
        {
          type: "TXT",
          data: settings.records[1]!.value.replace("; rua=", ";rua= ")
            .toUpperCase()
            .replace("V=TLSRPTV1", "v=TLSRPTv1"),
        },
        { type: "TXT", data: "google-site-verification=abc" },
      ]);
      const ok = await check();
      expect(ok.records.map((r) => r.status)).toEqual(["published", "published"]);
      expect(ok.records[0]).toMatchObject({
        name: "_mta-sts.sts-dns.in.example.net",
        found: [`v=STSv1; id=${settings.policyId}`],
      });

      // After a mode change the published id is the old one until DNS is updated.
      await setMtaStsMode(t.db, { tenantId: tenant.id, userId: null, mode: "enforce" });
      const outdated = await check();
      expect(outdated.records[0]).toMatchObject({ status: "outdated" });
      expect(outdated.records[0]!.note).toMatch(/older policy id/);

      dns.set("_smtp._tls.sts-dns.in.example.net", [
        { type: "TXT", data: "v=TLSRPTv1; rua=mailto:someone@elsewhere.example" },
      ]);
      dns.set("_mta-sts.sts-dns.in.example.net", [
        { type: "TXT", data: "v=STSv1; id=a" },
        { type: "TXT", data: "v=STSv1; id=b" },
      ]);
      expect(await statuses()).toEqual(["different", "different"]);

      // A resolver that answers nothing: a failed look-up, not "missing".
      const dead = createResolver({ servers: [`127.0.0.1:${await deadPort()}`], timeoutMs: 300, tries: 1 });
      const failed = await checkMtaStsDns(t.db, tenant.id, { ...config, resolver: dead });
      expect(failed.records.map((r) => r.status)).toEqual(["error", "error"]);
      expect(failed.records[0]!.note).toMatch(/look-up failed/);
    } finally {
      await dns.close();
    }
  });

  it("R-TEN-4 only admins read and change it over tRPC, in their own tenant; a bad mode is refused", async () => {
    const tenant = await createTenant(t.db, { slug: "sts-rpc", name: "RPC MSP" });
    const other = await createTenant(t.db, { slug: "sts-rpc-other", name: "Other MSP" });
    const make = (role: "ADMIN" | "TECHNICIAN" | "SUPPORT") =>
      createUser(t.db, tenant.id, {
        name: role,
        email: `${role.toLowerCase()}@sts-rpc.test`,
        role,
        password: "correct horse battery",
      });
    const caller = (userId: string) =>
      createCaller(createContextInner({ db: t.db, session: { sessionId: `s-${userId}`, userId } }));
    const admin = await make("ADMIN");
    for (const role of ["TECHNICIAN", "SUPPORT"] as const) {
      const user = await make(role);
      for (const call of [
        caller(user.id).mtaSts.settings(),
        caller(user.id).mtaSts.setMode({ mode: "enforce" }),
        caller(user.id).mtaSts.summary(),
      ]) {
        await expect(call).rejects.toSatisfy((e) => trpcCode(e) === "FORBIDDEN");
      }
    }
    const before = await caller(admin.id).mtaSts.settings();
    const changed = await caller(admin.id).mtaSts.setMode({ mode: "enforce" });
    expect(changed.policyId).not.toBe(before.policyId);
    expect((await caller(admin.id).mtaSts.settings()).mode).toBe("enforce");
    expect((await t.db.tenant.findUniqueOrThrow({ where: { id: other.id } })).mtaStsMode).toBe("testing");
    await expect(caller(admin.id).mtaSts.setMode({ mode: "off" as "none" })).rejects.toSatisfy(
      (e) => trpcCode(e) === "BAD_REQUEST",
    );
    expect((await caller(admin.id).mtaSts.summary()).days).toEqual([]);
  });
});
