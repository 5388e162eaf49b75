/**
 * R-HEALTH-1…4 domain rules on both databases: canary tokens, forwarding states from canary history, the quiet
 * mailbox rule, and incidents (open → mail, remind after 24 h, resolve → mail) queued on the outbound path.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canaryToken, verifyCanaryToken } from "../../mail/addresses";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { createTenantRow } from "../../../test/support/gateway-data";
import { saveCanarySettings } from "../canary-addresses";
import { runCanaryCycle } from "../canary-cycle";
import { forwardingStatus } from "../forwarding-status";
import { updateIncidents, REMIND_AFTER_MS } from "../health-incidents";
import { healthSummary } from "../health-summary";
import { inboundHistory } from "../quiet-mailbox";

const SECRET = "unit-secret-0123456789abcdefghijklmnopqrstuvwxyz";
const deps = { secret: SECRET, inboundDomain: "in.test.local", appUrl: "https://helpdesk.example" };

describe("R-HEALTH-1 canary tokens", () => {
  it("verifies for its tenant only, and not when altered", () => {
    const token = canaryToken(SECRET, { slug: "acme", canaryId: "ckabc123" });
    expect(verifyCanaryToken(SECRET, "acme", token)).toBe("ckabc123");
    expect(verifyCanaryToken(SECRET, "acme", token.toUpperCase())).toBe("ckabc123");
    expect(verifyCanaryToken(SECRET, "other", token)).toBeNull();
    expect(verifyCanaryToken("another-secret-0123456789abcdefghijkl", "acme", token)).toBeNull();
    expect(verifyCanaryToken(SECRET, "acme", token.replace(/.$/, (c) => (c === "a" ? "b" : "a")))).toBeNull();
    expect(verifyCanaryToken(SECRET, "acme", "garbage")).toBeNull();
  });
});

describe.each(testProviders())("gateway health on %s", (provider) => {
  let database: TestDatabase;
  let tenantId: string;
  const t0 = new Date("2026-12-01T08:00:00Z");
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    tenantId = (await createTenantRow(database.db, "acme")).id;
    await database.db.user.create({ data: { id: "admin-1", name: "Ada", email: "ada@ops.example", tenantId, role: "ADMIN" } });
  });
  afterAll(async () => database?.drop());

  it("R-HEALTH-1 settings refuse the gateway's own address and keep at most five", async () => {
    await expect(saveCanarySettings(database.db, tenantId, { addresses: ["support@acme.in.test.local"] }, "in.test.local")).rejects.toThrow(/gateway address/);
    await expect(saveCanarySettings(database.db, tenantId, { addresses: ["a@x.example", "b@x.example", "c@x.example", "d@x.example", "e@x.example", "f@x.example"] }, "in.test.local")).rejects.toThrow();
    await expect(saveCanarySettings(database.db, tenantId, { addresses: ["help@msp.example"], intervalMinutes: 5 }, "in.test.local")).rejects.toThrow();
  });

  it("R-HEALTH-1 due canaries go out on the outbound queue without a ticket; misses settle; two in a row are broken", async () => {
    await saveCanarySettings(database.db, tenantId, { addresses: ["Help@MSP.example"], intervalMinutes: 15 }, "in.test.local");
    const timing = { waitSeconds: 900 };
    expect(await runCanaryCycle(database.db, deps, timing, at(0))).toEqual({ missed: 0, sent: 1 });
    expect(await runCanaryCycle(database.db, deps, timing, at(60))).toEqual({ missed: 0, sent: 0 });
    const job = await database.db.outboundJob.findFirstOrThrow({ where: { tenantId } });
    expect(job.messageId).toBeNull();
    expect(JSON.parse(job.recipients)).toEqual(["help@msp.example"]);
    expect(Buffer.from(job.raw).toString()).toMatch(/^X-Opsmerge-Canary: [a-z0-9]+-[a-z2-7]{16}\r?$/im);
    expect(Buffer.from(job.raw).toString()).toMatch(/Auto-Submitted: auto-generated/);
    expect(await database.db.message.count()).toBe(0);
    expect((await forwardingStatus(database.db, tenantId))[0]!.state).toBe("waiting");

    // It came back: ok.
    const first = await database.db.forwardingCanary.findFirstOrThrow({ where: { tenantId } });
    await database.db.forwardingCanary.update({ where: { id: first.id }, data: { arrivedAt: at(30), latencyMs: 30_000 } });
    expect((await forwardingStatus(database.db, tenantId))[0]).toMatchObject({ state: "ok", lastLatencyMs: 30_000 });

    // Next one (after 15 min) never comes back: missed after another 15 min; then a second miss → broken.
    expect(await runCanaryCycle(database.db, deps, timing, at(900))).toEqual({ missed: 0, sent: 1 });
    expect(await runCanaryCycle(database.db, deps, timing, at(1800))).toEqual({ missed: 1, sent: 1 });
    expect((await forwardingStatus(database.db, tenantId))[0]!.state).toBe("missed");
    expect(await runCanaryCycle(database.db, deps, timing, at(2700))).toEqual({ missed: 1, sent: 1 });
    const broken = (await forwardingStatus(database.db, tenantId))[0]!;
    expect(broken).toMatchObject({ state: "broken", brokenSince: at(900), lastLatencyMs: 30_000 });
  });

  it("R-HEALTH-4 an incident mails the admins once, again after 24 h, and when it resolves", async () => {
    const now = at(2700);
    const items = (await healthSummary(database.db, tenantId, now)).items;
    expect(items.find((i) => i.key === "forwarding:help@msp.example")).toMatchObject({ level: "problem", alert: true });
    const alertJobs = () => database.db.activityLog.findMany({ where: { tenantId, reason: "health alert" }, orderBy: { createdAt: "asc" } });

    expect(await updateIncidents(database.db, deps, tenantId, items, now)).toEqual({ opened: ["forwarding:help@msp.example"], reminded: [], resolved: [] });
    expect(await updateIncidents(database.db, deps, tenantId, items, at(3600))).toEqual({ opened: [], reminded: [], resolved: [] });
    expect(await updateIncidents(database.db, deps, tenantId, items, new Date(now.getTime() + REMIND_AFTER_MS))).toMatchObject({ reminded: ["forwarding:help@msp.example"] });
    const cleared = items.filter((i) => !i.key.startsWith("forwarding:"));
    expect(await updateIncidents(database.db, deps, tenantId, cleared, new Date(now.getTime() + REMIND_AFTER_MS + 60_000))).toMatchObject({ resolved: ["forwarding:help@msp.example"] });
    expect((await alertJobs()).map((r) => r.subject)).toEqual([
      "Problem: Forwarding from help@msp.example",
      "Still a problem: Forwarding from help@msp.example",
      "Resolved: Forwarding from help@msp.example",
    ]);
    expect((await alertJobs()).every((r) => r.envelopeTo === "ada@ops.example" && r.ticketId === null)).toBe(true);

    // The second missed canary comes back after all, 20 minutes late: the forward works (slowly), so it is no longer
    // broken, and the long round trip is what the page shows.
    const late = await database.db.forwardingCanary.findFirstOrThrow({ where: { tenantId, sentAt: at(1800) } });
    await database.db.forwardingCanary.update({ where: { id: late.id }, data: { arrivedAt: at(3000), latencyMs: 1_200_000 } });
    expect((await forwardingStatus(database.db, tenantId))[0]).toMatchObject({ state: "ok", brokenSince: null, lastArrivedAt: at(3000), lastLatencyMs: 1_200_000 });
    const after = (await healthSummary(database.db, tenantId, at(3000))).items.find((i) => i.key === "forwarding:help@msp.example");
    expect(after?.level).not.toBe("problem");
  });

  it("R-HEALTH-1 a canary refused for good on its way out is missed at once, with the receiver's reply", async () => {
    const other = await createTenantRow(database.db, "beta");
    await saveCanarySettings(database.db, other.id, { addresses: ["help@beta-msp.example"], intervalMinutes: 15 }, "in.test.local");
    const timing = { waitSeconds: 900 };
    const t1 = new Date("2026-12-02T08:00:00Z");
    await runCanaryCycle(database.db, deps, timing, t1);
    const canary = await database.db.forwardingCanary.findFirstOrThrow({ where: { tenantId: other.id } });
    // Still out and its delivery still queued: nothing to settle.
    expect(await runCanaryCycle(database.db, deps, timing, new Date(t1.getTime() + 60_000))).toEqual({ missed: 0, sent: 0 });
    await database.db.outboundJob.update({
      where: { id: canary.outboundJobId! },
      data: { state: "BOUNCED", lastReply: "550 5.1.1 <help@beta-msp.example>: Recipient address rejected: User unknown" },
    });
    expect(await runCanaryCycle(database.db, deps, timing, new Date(t1.getTime() + 120_000))).toEqual({ missed: 1, sent: 0 });
    const status = (await forwardingStatus(database.db, other.id))[0]!;
    expect(status).toMatchObject({ state: "missed", lastBounceReason: "was refused when the gateway delivered it: 550 5.1.1 <help@beta-msp.example>: Recipient address rejected: User unknown" });
    const item = (await healthSummary(database.db, other.id, new Date(t1.getTime() + 120_000))).items.find((i) => i.key === "forwarding:help@beta-msp.example");
    expect(item?.summary).toBe(
      "The last check sent to help@beta-msp.example was refused when the gateway delivered it: 550 5.1.1 <help@beta-msp.example>: Recipient address rejected: User unknown; another miss means forwarding is broken.",
    );
  });

  it("R-HEALTH-2 quiet mailbox: silent 1.5 × the longest gap of 14 days (at least 4 h), with 20+ messages of history", async () => {
    const quiet = (await createTenantRow(database.db, "quiet")).id;
    const ticket = await database.db.ticket.create({ data: { tenantId: quiet, number: 1, subject: "x" } });
    const start = new Date("2026-11-20T00:00:00Z").getTime();
    // 40 messages, one every 6 hours: the longest gap is 6 h, so silence beyond 9 h is quiet.
    for (let i = 0; i < 40; i++) {
      await database.db.message.create({
        data: { tenantId: quiet, ticketId: ticket.id, direction: "INBOUND", messageIdHeader: `m${i}@x`, fromAddress: "a@x.example", subject: "x", createdAt: new Date(start + i * 6 * 3600_000) },
      });
    }
    const last = start + 39 * 6 * 3600_000;
    expect((await inboundHistory(database.db, quiet, new Date(last + 8 * 3600_000))).quiet).toBeNull();
    const h = await inboundHistory(database.db, quiet, new Date(last + 10 * 3600_000));
    expect(h.quiet).toEqual({ silentMs: 10 * 3600_000, thresholdMs: 9 * 3600_000 });
    expect(h.perDay).toHaveLength(14);
    // Too little history: never judged.
    expect((await inboundHistory(database.db, tenantId, new Date(last + 100 * 3600_000))).notJudged).toMatch(/fewer than 20/);
  });
});
