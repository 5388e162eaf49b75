/**
 * R-X-1, R-TEN-4: the DMARC reports procedures are for admins of the tenant only; upload refuses bad input next
 * to its field; another tenant's report is not found; reverse DNS is asked only for the tenant's own sources.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { createTenant } from "../../tenants/create-tenant";
import { createContextInner } from "../../trpc/init";
import { createCaller } from "../../trpc/routers/_app";
import { createUser } from "../../users/create-user";
import { buildReportXml } from "./build-report-xml";

/** The tRPC error a call rejects with (checked by shape: domain folders do not import the transport). */
async function trpcError(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error && err.name === "TRPCError") return err as Error & { code: string };
    throw err;
  }
  throw new Error("expected a TRPCError");
}

describe.each(testProviders())("dmarcReports router on %s", (provider) => {
  let t: TestDatabase;
  let admin = "";
  let technician = "";
  let otherAdmin = "";
  const callerFor = (userId: string | null) =>
    createCaller(createContextInner({ db: t.db, session: userId ? { sessionId: `s-${userId}`, userId } : null }));

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    const tenant = await createTenant(t.db, { slug: "acme", name: "Acme MSP" });
    admin = (await createUser(t.db, tenant.id, { name: "A", email: "a@acme.test", role: "ADMIN", password: "correct horse battery" })).id;
    technician = (await createUser(t.db, tenant.id, { name: "T", email: "t@acme.test", role: "TECHNICIAN", password: "correct horse battery" })).id;
    const other = await createTenant(t.db, { slug: "other", name: "Other MSP" });
    otherAdmin = (await createUser(t.db, other.id, { name: "O", email: "o@other.test", role: "ADMIN", password: "correct horse battery" })).id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it("R-TEN-4 anonymous and non-admin callers are refused", async () => {
    expect((await trpcError(callerFor(null).dmarcReports.domains())).code).toBe("UNAUTHORIZED");
    const tech = callerFor(technician);
    expect((await trpcError(tech.dmarcReports.domains())).code).toBe("FORBIDDEN");
    expect((await trpcError(tech.dmarcReports.overview({ domain: "acme.example", period: "30d" }))).code).toBe("FORBIDDEN");
    expect((await trpcError(tech.dmarcReports.upload({ fileName: "r.xml", contentBase64: "PGZlZWRiYWNrLz4=" }))).code).toBe("FORBIDDEN");
  });

  it("R-X-1 an admin uploads, sees the domain and the report; another tenant's admin does not", async () => {
    const caller = callerFor(admin);
    const xml = buildReportXml({ orgName: "google.com", reportId: "r-1", domain: "acme.example", begin: new Date(Date.now() - 86_400_000), records: [{ ip: "192.0.2.5", count: 3, evaluated: { dkim: "pass", spf: "fail" } }] });
    const stored = await caller.dmarcReports.upload({ fileName: "r.xml", contentBase64: Buffer.from(xml).toString("base64") });
    expect(stored).toMatchObject({ status: "stored", domain: "acme.example" });
    const domains = await caller.dmarcReports.domains();
    expect(domains.ruaAddress).toMatch(/^dmarc-reports@acme\./);
    expect(domains.domains.map((d) => d.domain)).toEqual(["acme.example"]);
    const overview = await caller.dmarcReports.overview({ domain: "acme.example", period: "7d" });
    expect(overview.totals).toMatchObject({ messages: 3, pass: 3 });
    expect((await caller.dmarcReports.report({ id: stored.id })).reportId).toBe("r-1");

    const other = callerFor(otherAdmin);
    expect((await other.dmarcReports.domains()).domains).toEqual([]);
    expect((await trpcError(other.dmarcReports.report({ id: stored.id }))).code).toBe("NOT_FOUND");
    // Reverse DNS only for the caller's own sources: the other tenant's request looks nothing up.
    expect(await other.dmarcReports.reverseDns({ ips: ["192.0.2.5"] })).toEqual([]);
  });

  it("R-X-1 an unreadable upload is refused with the reason on the file field", async () => {
    const err = await trpcError(callerFor(admin).dmarcReports.upload({ fileName: "x.txt", contentBase64: Buffer.from("hello").toString("base64") }));
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toMatch(/not a DMARC aggregate report we can read/);
  });
});
