/**
 * R-SPAM-2: the Spam queue lists a tenant's held mail newest first, a page at a time by keyset (a busy support
 * address collects thousands), searchable by sender or subject in any case; another tenant's items never show.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { createTenantRow } from "../../../test/support/gateway-data";
import { listSpamQueue, SPAM_QUEUE_PAGE } from "../list-spam-queue";

describe.each(testProviders())("R-SPAM-2 listing the Spam queue on %s", (provider) => {
  let t: TestDatabase;
  let tenantId: string;
  const base = Date.parse("2026-12-01T08:00:00Z");

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantId = (await createTenantRow(t.db, "acme")).id;
    const other = await createTenantRow(t.db, "other");
    const held = (tenant: string, i: number, createdAt: Date, from: string, subject: string) => ({
      tenantId: tenant,
      createdAt,
      kind: i % 10 === 0 ? "MALWARE" : "SPAM",
      scanJson: JSON.stringify({ score: 12.5, threshold: 6, action: "add header", symbols: ["GTUBE"] }),
      reason: "spam 12.5/6 GTUBE",
      envelopeFrom: from,
      recipients: "support@acme.in.example",
      fromAddress: from,
      subject,
      remoteIp: "192.0.2.1",
      raw: new Uint8Array([0x41]),
      dedupeKey: `${tenant}-${i}`,
    });
    // 120 items, the oldest 49 in one second: the keyset must neither skip nor repeat them across a page edge.
    const rows = Array.from({ length: 120 }, (_, i) =>
      held(tenantId, i, new Date(base + Math.max(i, 48) * 1_000), i === 7 ? "Offers@Cheap-Pills.example" : `bulk${i}@spam.example`, i === 90 ? "WIN a CRUISE" : `Offer ${i}`),
    );
    await t.db.quarantinedMessage.createMany({ data: rows });
    await t.db.quarantinedMessage.create({ data: held(other.id, 999, new Date(base), "offers@cheap-pills.example", "win a cruise") });
  });
  afterAll(async () => {
    await t.drop();
  });

  it("pages newest first by keyset: every item once, then no cursor", async () => {
    const seen: string[] = [];
    const keys: [number, string][] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listSpamQueue(t.db, tenantId, cursor ? { cursor } : {});
      expect(page.total).toBe(120);
      expect(page.items.length).toBeLessThanOrEqual(SPAM_QUEUE_PAGE);
      seen.push(...page.items.map((i) => i.subject));
      keys.push(...page.items.map((i): [number, string] => [i.createdAt.getTime(), i.id]));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(120 / SPAM_QUEUE_PAGE));
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    expect(seen[0]).toBe("Offer 119");
    // Newest first on (createdAt, id), strictly: no item twice, none out of order.
    for (let i = 1; i < keys.length; i++) {
      const [prev, cur] = [keys[i - 1]!, keys[i]!];
      expect(prev[0] > cur[0] || (prev[0] === cur[0] && prev[1] > cur[1]), `${prev.join()} before ${cur.join()}`).toBe(true);
    }
  });

  it("searches sender and subject in any case, within the tenant only", async () => {
    const bySender = await listSpamQueue(t.db, tenantId, { search: "cheap-PILLS" });
    expect(bySender.items.map((i) => i.fromAddress)).toEqual(["Offers@Cheap-Pills.example"]);
    expect(bySender.total).toBe(1);
    const bySubject = await listSpamQueue(t.db, tenantId, { search: "win a cruise" });
    expect(bySubject.items.map((i) => i.subject)).toEqual(["WIN a CRUISE"]);
    expect(bySubject.nextCursor).toBeNull();
    expect((await listSpamQueue(t.db, tenantId, { search: "nothing like this" })).items).toEqual([]);
  });

  it("refuses a forged cursor in plain words", async () => {
    await expect(listSpamQueue(t.db, tenantId, { cursor: "x'; DROP TABLE" })).rejects.toThrow(/not valid any more/);
  });
});
