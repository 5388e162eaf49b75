import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appError } from "../../../test/support/app-error";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { createTenant } from "../../tenants/create-tenant";
import { getActivityRetention, purgeExpiredActivity, updateActivityRetention } from "../activity-retention";
import { forwardingTestResults } from "../forwarding-test";
import { activityVolume, getActivityEntry, listActivity, SCAN_WINDOW, type ActivityListRow } from "../list-activity";
import { recordActivity, type ActivityRow } from "../record-activity";

const DAY = 86_400_000;
const NOW = new Date("2026-06-15T12:00:00.000Z");

describe.each(testProviders())("activity log on %s", (provider) => {
  let t: TestDatabase;
  let tenantA: string;
  let tenantB: string;
  /** ids of tenant A's rows, newest first (the list order). */
  let allA: string[];

  const row = (over: Partial<ActivityRow> & { minutesAgo: number }): ActivityRow => {
    const { minutesAgo, ...rest } = over;
    return {
      tenantId: tenantA,
      direction: "INBOUND",
      outcome: "DELIVERED",
      fromAddress: "alice@client.example",
      toAddress: "support@alpha.in.localhost",
      subject: "Printer is jammed",
      createdAt: new Date(NOW.getTime() - minutesAgo * 60_000),
      ...rest,
    };
  };

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantA = (await createTenant(t.db, { slug: "alpha", name: "Alpha MSP" })).id;
    tenantB = (await createTenant(t.db, { slug: "bravo", name: "Bravo MSP" })).id;
    const rows: ActivityRow[] = [];
    // 30 inbound deliveries from alice, one a minute, newest first at minute 0.
    for (let i = 0; i < 30; i++) rows.push(row({ minutesAgo: i, subject: i % 10 === 0 ? `VPN is down (${i})` : `Printer is jammed (${i})` }));
    rows.push(row({ minutesAgo: 100, fromAddress: "Bob@Other.example", outcome: "DROPPED", reason: "blocklist: domain other.example" }));
    rows.push(row({ minutesAgo: 101, direction: "OUTBOUND", outcome: "BOUNCED", fromAddress: "support@msp.example", toAddress: "alice@client.example", bounceDetail: "550 5.1.1 no such user", remoteReply: "550 5.1.1 no such user" }));
    rows.push(row({ minutesAgo: 102, direction: "OUTBOUND", outcome: "DELIVERED", fromAddress: "support@msp.example", toAddress: "carol@client.example" }));
    // Ten days ago and forty days ago.
    rows.push(row({ minutesAgo: 10 * 24 * 60, subject: "Old ticket" }));
    rows.push(row({ minutesAgo: 40 * 24 * 60, subject: "Ancient ticket" }));
    // Same instant twice: the id breaks the tie.
    rows.push(row({ minutesAgo: 200, subject: "Twin one" }));
    rows.push(row({ minutesAgo: 200, subject: "Twin two" }));
    // Tenant B's row must never show for A.
    rows.push(row({ tenantId: tenantB, minutesAgo: 0, subject: "Printer is jammed (B)" }));
    for (const r of rows) await recordActivity(t.db, r);
    allA = (await t.db.activityLog.findMany({ where: { tenantId: tenantA }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: { id: true } })).map((r) => r.id);
  });
  afterAll(async () => {
    await t.drop();
  });

  async function everything(filters: Parameters<typeof listActivity>[1]): Promise<ActivityListRow[]> {
    const out: ActivityListRow[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 100; i++) {
      const page = await listActivity(t.db, { ...filters, ...(cursor ? { cursor } : {}) });
      out.push(...page.rows);
      if (!page.nextCursor) return out;
      cursor = page.nextCursor;
    }
    throw new Error("pagination did not end");
  }

  it("R-ACT-2 pages newest first with a keyset cursor, every row exactly once, only the tenant's", async () => {
    const first = await listActivity(t.db, { tenantId: tenantA, limit: 7 });
    expect(first.rows).toHaveLength(7);
    expect(first.rows.map((r) => r.id)).toEqual(allA.slice(0, 7));
    expect(first.nextCursor).not.toBeNull();
    expect(first.scan).toBeNull();
    const all = await everything({ tenantId: tenantA, limit: 7 });
    expect(all.map((r) => r.id)).toEqual(allA);
    expect(all.some((r) => r.subject === "Printer is jammed (B)")).toBe(false);
    // The twins (same createdAt) are both there, in id order.
    const twins = all.filter((r) => r.subject?.startsWith("Twin"));
    expect(twins).toHaveLength(2);
    expect(twins[0]!.id > twins[1]!.id).toBe(true);
  });

  it("R-ACT-2 filters by direction and outcome", async () => {
    const outbound = await everything({ tenantId: tenantA, messageDirection: "OUTBOUND" });
    expect(outbound.map((r) => r.toAddress).sort()).toEqual(["alice@client.example", "carol@client.example"]);
    const bounced = await everything({ tenantId: tenantA, messageDirection: "OUTBOUND", outcome: "BOUNCED" });
    expect(bounced).toHaveLength(1);
    const dropped = await everything({ tenantId: tenantA, outcome: "DROPPED" });
    expect(dropped.map((r) => r.reason)).toEqual(["blocklist: domain other.example"]);
    expect(await everything({ tenantId: tenantB, outcome: "DROPPED" })).toEqual([]);
  });

  it("R-ACT-2 filters by date range (start inclusive, end exclusive) and refuses a backwards range", async () => {
    const lastWeek = await everything({ tenantId: tenantA, from: new Date(NOW.getTime() - 7 * DAY) });
    expect(lastWeek.some((r) => r.subject === "Old ticket")).toBe(false);
    expect(lastWeek).toHaveLength(allA.length - 2);
    const older = await everything({ tenantId: tenantA, from: new Date(NOW.getTime() - 30 * DAY), to: new Date(NOW.getTime() - 7 * DAY) });
    expect(older.map((r) => r.subject)).toEqual(["Old ticket"]);
    const newest = allA[0]!;
    const exactEnd = await everything({ tenantId: tenantA, to: new Date(NOW.getTime()) });
    expect(exactEnd.map((r) => r.id)).not.toContain(newest);
    const err = await appError(listActivity(t.db, { tenantId: tenantA, from: NOW, to: new Date(NOW.getTime() - DAY) }));
    expect(err.code).toBe("BAD_INPUT");
    expect(err.field).toBe("to");
  });

  it("R-ACT-2 filters by address: exact on from, to or either (case-insensitive), and by prefix", async () => {
    const either = await everything({ tenantId: tenantA, address: "ALICE@client.example" });
    expect(either).toHaveLength(allA.length - 2); // all but bob's drop and carol's delivery
    // Paged in small pages (from-matches and to-matches merged), the same rows in the same order.
    const small = await everything({ tenantId: tenantA, address: "alice@client.example", limit: 4 });
    expect(small.map((r) => r.id)).toEqual(either.map((r) => r.id));
    expect(either.map((r) => r.id)).toEqual(allA.filter((id) => either.some((r) => r.id === id)));
    const to = await everything({ tenantId: tenantA, address: "alice@client.example", addressField: "to" });
    expect(to.map((r) => r.outcome)).toEqual(["BOUNCED"]);
    // Stored lower-case, so the mixed-case sender is found by its exact address.
    const bob = await everything({ tenantId: tenantA, address: "bob@other.example", addressField: "from" });
    expect(bob.map((r) => r.fromAddress)).toEqual(["bob@other.example"]);
    const prefix = await everything({ tenantId: tenantA, address: "car", addressMatch: "prefix" });
    expect(prefix.map((r) => r.toAddress)).toEqual(["carol@client.example"]);
    expect(await everything({ tenantId: tenantA, address: "car", addressMatch: "exact" })).toEqual([]);
    // Wildcards in a prefix are literal characters.
    expect(await everything({ tenantId: tenantA, address: "%", addressMatch: "prefix" })).toEqual([]);
    expect(await everything({ tenantId: tenantA, address: "_lice", addressMatch: "prefix" })).toEqual([]);
    await recordActivity(t.db, { ...row({ minutesAgo: 3 * 24 * 60 }), fromAddress: "a_b%c@odd.example" });
    const literal = await everything({ tenantId: tenantA, address: "a_b%", addressMatch: "prefix", addressField: "from" });
    expect(literal.map((r) => r.fromAddress)).toEqual(["a_b%c@odd.example"]);
  });

  it("R-ACT-2 searches the subject case-insensitively, combined with other filters", async () => {
    const vpn = await everything({ tenantId: tenantA, subject: "vpn IS" });
    expect(vpn.map((r) => r.subject)).toEqual(["VPN is down (0)", "VPN is down (10)", "VPN is down (20)"]);
    const none = await everything({ tenantId: tenantA, subject: "vpn", messageDirection: "OUTBOUND" });
    expect(none).toEqual([]);
    const paged = await listActivity(t.db, { tenantId: tenantA, subject: "printer", limit: 5 });
    expect(paged.rows).toHaveLength(5);
    expect(paged.rows.every((r) => r.subject?.startsWith("Printer"))).toBe(true);
    expect(paged.scan).toBeNull();
  });

  it("R-ACT-2 B1 the subject search folds case across Unicode: \"überweisung\" finds \"Überweisung\" and \"ÜBERWEISUNG\"", async () => {
    const tenantD = (await createTenant(t.db, { slug: "umlaut", name: "Umlaut MSP" })).id;
    const subjects = ["Überweisung fehlt", "Re: ÜBERWEISUNG FEHLT", "Zbierweisung", "xberweisung fehlt", "überweisung fehlt", "Uberweisung ohne Umlaut"];
    for (const [i, subject] of subjects.entries()) await recordActivity(t.db, { ...row({ minutesAgo: i }), tenantId: tenantD, subject });
    const expected = ["Überweisung fehlt", "Re: ÜBERWEISUNG FEHLT", "überweisung fehlt"];
    for (const query of ["überweisung", "ÜBERWEISUNG", "Überweisung FEHLT", "u\u0308berweisung"]) {
      expect((await everything({ tenantId: tenantD, subject: query })).map((r) => r.subject), query).toEqual(
        query.includes("FEHLT") ? expected.filter((s) => /fehlt/i.test(s)) : expected,
      );
    }
    const page1 = await listActivity(t.db, { tenantId: tenantD, subject: "ÜBERWEISUNG", limit: 2 });
    expect(page1.rows.map((r) => r.subject)).toEqual(expected.slice(0, 2));
    const page2 = await listActivity(t.db, { tenantId: tenantD, subject: "ÜBERWEISUNG", limit: 2, cursor: page1.nextCursor! });
    expect(page2.rows.map((r) => r.subject)).toEqual(expected.slice(2));
  });

  it("R-ACT-2 a subject search beyond its scan window says how far back it looked and continues from there", async () => {
    const tenantC = (await createTenant(t.db, { slug: "charlie", name: "Charlie MSP" })).id;
    const base = new Date("2026-01-01T00:00:00.000Z").getTime();
    // SCAN_WINDOW + 10 rows, one a second; the one match is the oldest, outside the first window.
    const data = Array.from({ length: SCAN_WINDOW + 10 }, (_, i) => ({
      tenantId: tenantC,
      direction: "INBOUND",
      outcome: "DELIVERED",
      subject: i === 0 ? "Needle in a haystack" : `Hay ${i}`,
      createdAt: new Date(base + i * 1000),
    }));
    for (let i = 0; i < data.length; i += 5000) await t.db.activityLog.createMany({ data: data.slice(i, i + 5000) });
    const first = await listActivity(t.db, { tenantId: tenantC, subject: "needle" });
    expect(first.rows).toEqual([]);
    expect(first.scan?.scannedBackTo).toEqual(new Date(base + 10 * 1000));
    expect(first.nextCursor).not.toBeNull();
    const second = await listActivity(t.db, { tenantId: tenantC, subject: "needle", cursor: first.nextCursor! });
    expect(second.rows.map((r) => r.subject)).toEqual(["Needle in a haystack"]);
    expect(second.nextCursor).toBeNull();
    expect(second.scan).toBeNull();
    await t.db.tenant.delete({ where: { id: tenantC } });
  });

  it("R-ACT-2 the detail view has the verdicts, reason, blocklist entry, remote reply, headers and ticket", async () => {
    const entry = await t.db.blocklistEntry.create({ data: { tenantId: tenantA, kind: "DOMAIN", value: "spam.example" } });
    const { id } = await recordActivity(t.db, {
      ...row({ minutesAgo: 500 }),
      outcome: "DROPPED",
      reason: "blocklist: domain spam.example",
      blocklistEntryId: entry.id,
      spf: "pass",
      dkim: "none",
      dmarc: "none",
      arc: "none",
      processingMs: 42,
      remoteIp: "192.0.2.7",
      headers: [
        ["From", "x@spam.example"],
        ["Subject", "Cheap"],
      ],
    });
    const detail = await getActivityEntry(t.db, { tenantId: tenantA, id });
    expect(detail).toMatchObject({
      outcome: "DROPPED",
      reason: "blocklist: domain spam.example",
      spf: "pass",
      dkim: "none",
      processingMs: 42,
      remoteIp: "192.0.2.7",
      blocklistEntry: { id: entry.id, kind: "DOMAIN", value: "spam.example", removedAt: null },
      ticket: null,
    });
    expect(detail.headers).toEqual([
      ["From", "x@spam.example"],
      ["Subject", "Cheap"],
    ]);
    // Another tenant cannot read it.
    expect((await appError(getActivityEntry(t.db, { tenantId: tenantB, id }))).code).toBe("NOT_FOUND");
  });

  it("R-ACT-2 the volume chart counts per UTC day and outcome", async () => {
    const volume = await activityVolume(t.db, { tenantId: tenantA, days: 14, now: NOW });
    expect(volume.buckets).toHaveLength(14);
    const today = volume.buckets.at(-1)!;
    expect(today.start).toEqual(new Date("2026-06-15T00:00:00.000Z"));
    expect(today.counts.DELIVERED).toBe(30 + 1 + 2); // 30 alice, carol's outbound, the twins
    expect(today.counts.DROPPED).toBe(1 + 1); // bob's and the blocklisted one above
    expect(today.counts.BOUNCED).toBe(1);
    const tenDaysAgo = volume.buckets.at(-11)!;
    expect(tenDaysAgo.counts.DELIVERED).toBe(1);
    expect(volume.buckets.reduce((n, b) => n + b.counts.DUPLICATE, 0)).toBe(0);
  });

  it("R-ACT-2 retention is 7…3650 days and the purge deletes older rows per tenant in batches", async () => {
    expect(await getActivityRetention(t.db, tenantA)).toEqual({ days: 90 });
    const err = await appError(updateActivityRetention(t.db, tenantA, { days: 3 }));
    expect(err).toMatchObject({ code: "BAD_INPUT", field: "days" });
    expect(await updateActivityRetention(t.db, tenantA, { days: 30 })).toEqual({ days: 30 });

    // Tenant A keeps 30 days: the 40-day-old row goes. Tenant B keeps 90 days: nothing of B goes.
    await recordActivity(t.db, { ...row({ minutesAgo: 45 * 24 * 60 }), subject: "Also ancient" });
    await recordActivity(t.db, { ...row({ minutesAgo: 45 * 24 * 60 }), tenantId: tenantB, subject: "B within 90 days" });
    const beforeA = await t.db.activityLog.count({ where: { tenantId: tenantA } });
    const beforeB = await t.db.activityLog.count({ where: { tenantId: tenantB } });
    const result = await purgeExpiredActivity(t.db, NOW, { batchSize: 1 });
    expect(result.deleted).toBe(2);
    expect(result.tenants).toEqual([{ tenantId: tenantA, deleted: 2 }]);
    expect(await t.db.activityLog.count({ where: { tenantId: tenantA } })).toBe(beforeA - 2);
    expect(await t.db.activityLog.count({ where: { tenantId: tenantB } })).toBe(beforeB);
    expect(await t.db.activityLog.count({ where: { tenantId: tenantA, subject: { in: ["Ancient ticket", "Also ancient"] } } })).toBe(0);
    // Nothing more to do on a second run.
    expect((await purgeExpiredActivity(t.db, NOW)).deleted).toBe(0);
  });

  it("R-X-2 the forwarding test shows inbound mail since its start, with the ticket or the drop reason", async () => {
    const tenantD = (await createTenant(t.db, { slug: "delta", name: "Delta MSP" })).id;
    const ticket = await t.db.ticket.create({
      data: { tenantId: tenantD, number: 1, subject: "Forwarding test", lastActivityAt: NOW },
    });
    const since = new Date(NOW.getTime() - 60_000);
    await recordActivity(t.db, { ...row({ minutesAgo: 5 }), tenantId: tenantD, subject: "before the test" });
    await recordActivity(t.db, { ...row({ minutesAgo: 0.5 }), tenantId: tenantD, subject: "Forwarding test", ticketId: ticket.id });
    await recordActivity(t.db, { ...row({ minutesAgo: 0.2 }), tenantId: tenantD, outcome: "DROPPED", reason: "dmarc", subject: "spoofed" });
    await recordActivity(t.db, { ...row({ minutesAgo: 0.1 }), tenantId: tenantD, reason: "report", subject: "Report domain" });
    await recordActivity(t.db, { ...row({ minutesAgo: 0.1 }), tenantId: tenantD, direction: "OUTBOUND", outcome: "QUEUED", subject: "Re: x" });
    const results = await forwardingTestResults(t.db, { tenantId: tenantD, since, now: NOW });
    expect(results.map((r) => [r.subject, r.outcome, r.reason, r.ticket?.number ?? null])).toEqual([
      ["spoofed", "DROPPED", "dmarc", null],
      ["Forwarding test", "DELIVERED", null, 1],
    ]);
    expect(await forwardingTestResults(t.db, { tenantId: tenantA, since: new Date(NOW.getTime() + 1), now: NOW })).toEqual([]);
  });
});
