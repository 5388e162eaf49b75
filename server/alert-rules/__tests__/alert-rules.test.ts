import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appError } from "../../../test/support/app-error";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { createTenant } from "../../tenants/create-tenant";
import { parseAlertRuleInput } from "../alert-rule-fields";
import {
  createAlertRule,
  deleteAlertRule,
  listAlertRules,
  moveAlertRule,
  reorderAlertRules,
  setAlertRuleEnabled,
  updateAlertRule,
} from "../manage-alert-rules";
import { describeAlertRuleConditions, matchAlertRule, type MailFacts } from "../match-alert-rule";

const facts = (from: string, subject: string, headers: [string, string][] = []): MailFacts => ({
  senderAddresses: [from, null],
  subject,
  headers: [["From", from], ["Subject", subject], ...headers],
});

function rule(over: Partial<Parameters<typeof parseAlertRuleInput>[0]> & { id?: string }) {
  const { id = "r", ...input } = over;
  return { id, ...parseAlertRuleInput({ name: "rule", action: "OPEN", ...input }) };
}

describe("R-AUTO-2 alert rule matching", () => {
  it("R-AUTO-2 the sender uses the blocklist syntax: address, domain with subdomains, pattern", () => {
    expect(matchAlertRule([rule({ sender: "nas01@client-a.example" })], facts("NAS01@Client-A.example", "x"))).not.toBeNull();
    expect(matchAlertRule([rule({ sender: "client-a.example" })], facts("ups@site2.client-a.example", "x"))).not.toBeNull();
    expect(matchAlertRule([rule({ sender: "client-a.example" })], facts("ups@badclient-a.example", "x"))).toBeNull();
    expect(matchAlertRule([rule({ sender: "*-alerts@*.example" })], facts("veeam-alerts@client-b.example", "x"))).not.toBeNull();
    // The envelope sender counts too (a relay rewriting From).
    const viaEnvelope: MailFacts = { senderAddresses: [null, "fw01@client-a.example"], subject: "x", headers: [] };
    expect(matchAlertRule([rule({ sender: "fw01@client-a.example" })], viaEnvelope)).not.toBeNull();
  });

  it("R-AUTO-2 subject contains (case-insensitive) or glob over the whole subject", () => {
    const contains = rule({ subject: "Storage Pool" });
    expect(matchAlertRule([contains], facts("a@b.example", "[NAS01] STORAGE POOL 1 has degraded"))).not.toBeNull();
    const glob = rule({ subject: "[Failed] *backup*", subjectMode: "GLOB" });
    expect(matchAlertRule([glob], facts("a@b.example", "[Failed] Nightly file server backup (2 objects)"))).not.toBeNull();
    expect(matchAlertRule([glob], facts("a@b.example", "[Success] Nightly file server backup"))).toBeNull();
    expect(matchAlertRule([rule({ subject: "disk ?:*", subjectMode: "GLOB" })], facts("a@b.example", "Disk C: low"))).not.toBeNull();
  });

  it("R-AUTO-2 one optional header: present, or a value glob", () => {
    const present = rule({ headerName: "X-Alert-Severity" });
    expect(matchAlertRule([present], facts("a@b.example", "x", [["x-alert-severity", "Critical"]]))).not.toBeNull();
    expect(matchAlertRule([present], facts("a@b.example", "x"))).toBeNull();
    const critical = rule({ headerName: "X-Alert-Severity", headerValue: "crit*" });
    expect(matchAlertRule([critical], facts("a@b.example", "x", [["X-Alert-Severity", "Critical"]]))).not.toBeNull();
    expect(matchAlertRule([critical], facts("a@b.example", "x", [["X-Alert-Severity", "Warning"]]))).toBeNull();
  });

  it("R-AUTO-2 conditions are combined; the first enabled rule in order wins", () => {
    const a = rule({ id: "a", sender: "client-a.example", subject: "degraded" });
    const b = rule({ id: "b", sender: "client-a.example" });
    expect(matchAlertRule([a, b], facts("nas@client-a.example", "pool degraded"))?.id).toBe("a");
    expect(matchAlertRule([a, b], facts("nas@client-a.example", "pool repaired"))?.id).toBe("b");
    expect(matchAlertRule([{ ...a, enabled: false }, b], facts("nas@client-a.example", "pool degraded"))?.id).toBe("b");
  });

  it("R-AUTO-2 no user-supplied regular expression: a hostile glob stays linear", () => {
    const hostile = rule({ subject: `${"*a".repeat(40)}b`, subjectMode: "GLOB" });
    const started = process.hrtime.bigint();
    expect(matchAlertRule([hostile], facts("a@b.example", "a".repeat(200)))).toBeNull();
    // Bounded work, not a timing assertion on the product: a backtracking regex would not return at all.
    expect(Number(process.hrtime.bigint() - started)).toBeGreaterThan(0);
    // Regex syntax is literal text.
    expect(matchAlertRule([rule({ subject: "disk (c|d)" })], facts("a@b.example", "disk c"))).toBeNull();
    expect(matchAlertRule([rule({ subject: "disk (c|d)" })], facts("a@b.example", "Disk (C|D) full"))).not.toBeNull();
  });

  it("R-AUTO-3 conditions in words", () => {
    expect(describeAlertRuleConditions(rule({ sender: "client-a.example", subject: "degraded" }))).toBe(
      "sender domain client-a.example and subject contains “degraded”",
    );
    expect(describeAlertRuleConditions(rule({ headerName: "X-Alert" }))).toBe("header x-alert present");
  });

  it("R-AUTO-2 validation names the field", () => {
    const bad = (input: Parameters<typeof parseAlertRuleInput>[0]) => {
      try {
        parseAlertRuleInput(input);
      } catch (err) {
        return err as { field?: string; message: string };
      }
      throw new Error("accepted");
    };
    expect(bad({ name: "", action: "OPEN", sender: "a@b.example" })).toMatchObject({ field: "name" });
    expect(bad({ name: "x", action: "OPEN", sender: "not an address" })).toMatchObject({ field: "sender" });
    const empty = bad({ name: "x", action: "OPEN" });
    expect(empty.field).toBe("sender");
    expect(empty.message).toMatch(/without conditions/);
    expect(bad({ name: "x", action: "OPEN", headerName: "Bad Header:" })).toMatchObject({ field: "headerName" });
    expect(bad({ name: "x", action: "OPEN", headerValue: "x" })).toMatchObject({ field: "headerName" });
    expect(bad({ name: "x", action: "OPEN", subject: "a\r\nBcc: x" })).toMatchObject({ field: "subject" });
    expect(bad({ name: "x", action: "EXPLODE" as "OPEN", subject: "a" })).toMatchObject({ field: "action" });
  });
});

describe.each(testProviders())("R-AUTO-2 alert rule management on %s", (provider) => {
  let t: TestDatabase;
  let tenantA: string;
  let tenantB: string;
  let clientB: string;
  const user = "ann";

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantA = (await createTenant(t.db, { slug: "alpha", name: "Alpha MSP" })).id;
    tenantB = (await createTenant(t.db, { slug: "bravo", name: "Bravo MSP" })).id;
    await t.db.user.create({ data: { id: user, tenantId: tenantA, name: "Ann", email: "ann@example.com", role: "ADMIN" } });
    clientB = (await t.db.client.create({ data: { tenantId: tenantB, name: "Bravo client" } })).id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it("R-AUTO-2 creates rules in order, edits, reorders, disables and deletes them", async () => {
    const one = await createAlertRule(t.db, { tenantId: tenantA, userId: user, rule: { name: "NAS", sender: "NAS01@client-a.example", action: "OPEN" } });
    const two = await createAlertRule(t.db, { tenantId: tenantA, userId: user, rule: { name: "Recovered", subject: "repaired", action: "CLOSE" } });
    const three = await createAlertRule(t.db, { tenantId: tenantA, userId: user, rule: { name: "Noise", sender: "*@spam.example", action: "DROP" } });
    expect(one).toMatchObject({ position: 0, senderKind: "EMAIL", senderValue: "nas01@client-a.example", ticketStatus: "OPEN" });
    expect(two).toMatchObject({ position: 1, subjectMode: "CONTAINS", subjectValue: "repaired", ticketStatus: null });

    await updateAlertRule(t.db, { tenantId: tenantA, id: two.id, rule: { name: "Recovered", subject: "has been repaired", action: "CLOSE" } });
    expect((await moveAlertRule(t.db, { tenantId: tenantA, id: three.id, direction: "up" })).map((r) => r.name)).toEqual([
      "NAS",
      "Noise",
      "Recovered",
    ]);
    const reordered = await reorderAlertRules(t.db, { tenantId: tenantA, ids: [two.id, one.id, three.id] });
    expect(reordered.map((r) => [r.name, r.position])).toEqual([
      ["Recovered", 0],
      ["NAS", 1],
      ["Noise", 2],
    ]);
    expect(reordered[0]!.subjectValue).toBe("has been repaired");

    await setAlertRuleEnabled(t.db, { tenantId: tenantA, id: one.id, enabled: false });
    await deleteAlertRule(t.db, { tenantId: tenantA, id: two.id });
    const after = await listAlertRules(t.db, tenantA);
    expect(after.map((r) => [r.name, r.position, r.enabled])).toEqual([
      ["NAS", 0, false],
      ["Noise", 1, true],
    ]);
  });

  it("R-TEN-1 another tenant's rules and clients are out of reach", async () => {
    const mine = await createAlertRule(t.db, { tenantId: tenantA, userId: user, rule: { name: "Mine", subject: "x", action: "APPEND" } });
    for (const attempt of [
      () => updateAlertRule(t.db, { tenantId: tenantB, id: mine.id, rule: { name: "Stolen", subject: "x", action: "DROP" } }),
      () => deleteAlertRule(t.db, { tenantId: tenantB, id: mine.id }),
      () => setAlertRuleEnabled(t.db, { tenantId: tenantB, id: mine.id, enabled: false }),
      () => moveAlertRule(t.db, { tenantId: tenantB, id: mine.id, direction: "up" }),
    ]) {
      expect((await appError(attempt())).code).toBe("NOT_FOUND");
    }
    const foreignClient = await appError(
      createAlertRule(t.db, { tenantId: tenantA, userId: user, rule: { name: "x", subject: "x", action: "OPEN", clientId: clientB } }),
    );
    expect(foreignClient).toMatchObject({ code: "NOT_FOUND", field: "clientId" });
    expect((await appError(reorderAlertRules(t.db, { tenantId: tenantB, ids: [mine.id] }))).code).toBe("NOT_FOUND");
    expect((await listAlertRules(t.db, tenantA)).find((r) => r.id === mine.id)?.name).toBe("Mine");
  });
});
