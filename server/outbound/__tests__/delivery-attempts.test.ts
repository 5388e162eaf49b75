/**
 * R-OUT-3 R-OUT-4: recording per-recipient outcomes, the message's state over several jobs, the data-in-flight mark
 * and giving a claim back, on SQLite and PostgreSQL.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { AppError } from "../../errors";
import { applyDsn, claimOutboundJobs, markDataSending, recordDeliveryAttempt, releaseClaim, renewLease } from "../index";

describe.each(testProviders())("delivery attempts on %s", (provider) => {
  let t: TestDatabase;
  let tenantId: string;
  let ticketId: string;

  /** An outbound message with one job per recipient list given, all due now. */
  async function message(...jobs: string[][]) {
    const m = await t.db.message.create({
      data: {
        tenantId, ticketId, direction: "OUTBOUND", kind: "REPLY", messageIdHeader: `${randomBytes(6).toString("hex")}@acme.example`,
        fromAddress: "support@acme.example", subject: "Update", deliveryState: "QUEUED", envelopeFrom: "bounce@gw.example",
      },
    });
    const ids = [];
    for (const recipients of jobs) {
      const j = await t.db.outboundJob.create({
        data: { tenantId, messageId: m.id, envelopeFrom: "bounce@gw.example", recipients: JSON.stringify(recipients), raw: new Uint8Array([1]), nextAttemptAt: new Date(Date.now() - 1_000) },
      });
      ids.push(j.id);
    }
    return { id: m.id, jobIds: ids };
  }

  async function claim(workerId: string, jobId: string) {
    const [job] = await claimOutboundJobs(t.db, { workerId, limit: 50, leaseMs: 60_000 }).then((all) => all.filter((j) => j.id === jobId));
    if (!job) throw new Error("job not claimed");
    return job;
  }

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantId = (await t.db.tenant.create({ data: { slug: "acme", name: "Acme", mtaStsPolicyId: "p" } })).id;
    await t.db.contact.createMany({ data: ["ann@a.example", "bob@a.example", "cid@b.example"].map((email) => ({ tenantId, email })) });
    ticketId = (await t.db.ticket.create({ data: { tenantId, number: 1, subject: "S" } })).id;
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("keeps deferred recipients on the job, finishes the others, and logs one row per outcome", async () => {
    const m = await message(["ann@a.example", "bob@a.example", "zed@a.example"]);
    await claim("w1", m.jobIds[0]!);
    const r = await recordDeliveryAttempt(t.db, {
      jobId: m.jobIds[0]!,
      workerId: "w1",
      via: "mx.a.example:25 with STARTTLS",
      retryScheduleMs: [2_000],
      outcomes: [
        { recipient: "ann@a.example", kind: "delivered", reply: "250 ok" },
        { recipient: "bob@a.example", kind: "bounced", reply: "550 5.1.1 unknown" },
        { recipient: "zed@a.example", kind: "deferred", reply: "452 4.2.2 full" },
      ],
    });
    expect(r).toMatchObject({ state: "DEFERRED", messageState: "BOUNCED" });
    const job = await t.db.outboundJob.findUniqueOrThrow({ where: { id: m.jobIds[0]! } });
    expect(job).toMatchObject({ state: "DEFERRED", recipients: '["zed@a.example"]', bouncedRecipients: '["bob@a.example"]', lockedBy: null });
    expect(job.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(1_000);
    const rows = await t.db.activityLog.findMany({ where: { messageId: m.id } });
    expect(rows.map((l) => [l.outcome, l.toAddress, l.remoteReply]).sort()).toEqual([
      ["BOUNCED", "bob@a.example", "550 5.1.1 unknown"],
      ["DEFERRED", "zed@a.example", "452 4.2.2 full"],
      ["DELIVERED", "ann@a.example", "250 ok"],
    ]);
    expect(rows.find((l) => l.outcome === "DEFERRED")?.reason).toMatch(/^Attempt 1 deferred via mx\.a\.example:25 with STARTTLS; next attempt /);
    expect((await t.db.contact.findMany({ where: { tenantId, emailFailing: true } })).map((c) => c.email)).toEqual(["bob@a.example"]);

    // The retry delivers the last one; the job ends BOUNCED because one recipient was refused for good.
    await t.db.outboundJob.update({ where: { id: job.id }, data: { nextAttemptAt: new Date(Date.now() - 1) } });
    await claim("w2", job.id);
    const last = await recordDeliveryAttempt(t.db, { jobId: job.id, workerId: "w2", outcomes: [{ recipient: "zed@a.example", kind: "delivered", reply: "250 ok" }] });
    expect(last).toMatchObject({ state: "BOUNCED", messageState: "BOUNCED", nextAttemptAt: null });
  });

  it("a message's state is the worst of its jobs', and a DSN's bounce is never undone", async () => {
    const m = await message(["ann@a.example"], ["cid@b.example"]);
    // Claims every due job: both of this message's.
    await claim("w1", m.jobIds[0]!);
    const a = await recordDeliveryAttempt(t.db, { jobId: m.jobIds[0]!, workerId: "w1", outcomes: [{ recipient: "ann@a.example", kind: "delivered", reply: "250 ok" }] });
    // The other domain's job has not run yet.
    expect(a.messageState).toBe("QUEUED");
    await applyDsn(t.db, { tenantId, messageId: m.id, dsn: { status: "5.1.1", diagnosticCode: "smtp; 550 gone", finalRecipient: "rfc822; ann@a.example", permanent: true } });
    const b = await recordDeliveryAttempt(t.db, { jobId: m.jobIds[1]!, workerId: "w1", outcomes: [{ recipient: "cid@b.example", kind: "delivered", reply: "250 ok" }] });
    expect(b).toMatchObject({ state: "DELIVERED", messageState: "BOUNCED" });
    expect(await t.db.message.findUniqueOrThrow({ where: { id: m.id } })).toMatchObject({ deliveryState: "BOUNCED", deliveryDetail: "5.1.1 smtp; 550 gone" });
  });

  it("R-OUT-4 two recipient domains delivered at the same moment leave the message DELIVERED, not QUEUED", async () => {
    // Each recording reads the message's other jobs; without the message lock, two concurrent recordings on
    // PostgreSQL each saw the other's job still SENDING and the message stayed QUEUED.
    for (let round = 0; round < 6; round += 1) {
      const m = await message([`ann${round}@a.example`], [`cid${round}@b.example`], [`dan${round}@c.example`]);
      await claim("w1", m.jobIds[0]!); // claims every due job: all three of this message's
      const results = await Promise.all(
        m.jobIds.map((jobId, i) =>
          recordDeliveryAttempt(t.db, {
            jobId,
            workerId: "w1",
            outcomes: [{ recipient: [`ann${round}@a.example`, `cid${round}@b.example`, `dan${round}@c.example`][i]!, kind: "delivered", reply: "250 ok" }],
          }),
        ),
      );
      expect(results.map((r) => r.state)).toEqual(["DELIVERED", "DELIVERED", "DELIVERED"]);
      expect(results.filter((r) => r.messageState === "DELIVERED")).toHaveLength(1);
      expect((await t.db.message.findUniqueOrThrow({ where: { id: m.id } })).deliveryState).toBe("DELIVERED");
    }
  });

  it("the mark, renewal and recording need the claim; a claim is given back untouched", async () => {
    const m = await message(["ann@a.example"]);
    const job = await claim("w1", m.jobIds[0]!);
    expect(job.interrupted).toBeNull();
    expect(await renewLease(t.db, { jobId: job.id, workerId: "w2", leaseMs: 60_000 })).toBe(false);
    expect(await renewLease(t.db, { jobId: job.id, workerId: "w1", leaseMs: 60_000 })).toBe(true);
    await expect(markDataSending(t.db, { jobId: job.id, workerId: "w2", recipients: ["ann@a.example"] })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(recordDeliveryAttempt(t.db, { jobId: job.id, workerId: "w2", outcomes: [] })).rejects.toBeInstanceOf(AppError);

    expect(await releaseClaim(t.db, { jobId: job.id, workerId: "w1" })).toBe(true);
    expect(await t.db.outboundJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ state: "QUEUED", attempts: 0, lockedBy: null });
    expect(await t.db.activityLog.count({ where: { messageId: m.id } })).toBe(0);

    // Marked, then the worker dies: the next claim after the lease sees the message as possibly accepted.
    const again = await claim("w1", job.id);
    await markDataSending(t.db, { jobId: again.id, workerId: "w1", recipients: ["ann@a.example"] });
    expect(await releaseClaim(t.db, { jobId: again.id, workerId: "w1" })).toBe(false);
    const [taken] = await claimOutboundJobs(t.db, { workerId: "w3", limit: 50, now: new Date(Date.now() + 120_000) }).then((all) => all.filter((j) => j.id === job.id));
    expect(taken?.interrupted?.recipients).toEqual(["ann@a.example"]);
  });
});
