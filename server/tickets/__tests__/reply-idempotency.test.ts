/**
 * R-OUT-3, R-OUT-4 ("nothing sent twice"), R-TKT-2: a reply sent with an idempotency key is stored — and so queued
 * and sent — once, however often it is sent again: a double click, a browser retry after a lost answer, a client
 * retrying through another web node (a second database client) after the first one died. On SQLite and PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appError } from "../../../test/support/app-error";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { startDnsServer, type TestDnsServer } from "../../../test/support/dns-server";
import { TEST_APP_SECRET, TEST_INBOUND_DOMAIN } from "../../../test/support/mta";
import { seedSendingTenant, type SendingTenant } from "../../../test/support/outbound-data";
import { createDb, type Db } from "../../db/client";
import { createContextInner } from "../../trpc/init";
import { createCaller } from "../../trpc/routers/_app";
import { mergeTickets } from "../merge-tickets";
import { replyToTicket, type ReplyToTicketInput } from "../reply-to-ticket";

const mail = { secret: TEST_APP_SECRET, inboundDomain: TEST_INBOUND_DOMAIN };

describe.each(testProviders())("idempotent ticket replies on %s", (provider) => {
  let t: TestDatabase;
  let dns: TestDnsServer;
  /** A second web node: its own client (and, on PostgreSQL, its own pool) on the same database. */
  let otherNode: Db;
  let a: SendingTenant;
  let b: SendingTenant;
  let seq = 0;

  async function ticket(tenant: SendingTenant) {
    seq += 1;
    return (
      await t.db.ticket.create({
        data: {
          tenantId: tenant.tenantId,
          number: seq,
          subject: `Printer ${seq} jams`,
          clientId: tenant.clientId,
        },
      })
    ).id;
  }

  const send = (
    db: Db,
    tenant: SendingTenant,
    input: Omit<ReplyToTicketInput, "to"> & { to?: ReplyToTicketInput["to"] },
  ) =>
    replyToTicket(
      db,
      { tenantId: tenant.tenantId, authorId: tenant.userId, ...mail },
      { to: [{ address: `jane@client-${tenant.slug}.example` }], ...input },
    );

  const stored = async (ticketId: string) => ({
    messages: await t.db.message.count({ where: { ticketId, direction: "OUTBOUND" } }),
    jobs: await t.db.outboundJob.count({ where: { message: { ticketId } } }),
    queuedActivity: await t.db.activityLog.count({ where: { ticketId, outcome: "QUEUED" } }),
  });

  beforeAll(async () => {
    [t, dns] = await Promise.all([createTestDatabase(provider), startDnsServer()]);
    a = await seedSendingTenant(t.db, dns, {
      slug: "idema",
      domain: "idema-msp.example",
      clientDomain: "client-idema.example",
      contacts: ["jane@client-idema.example"],
    });
    b = await seedSendingTenant(t.db, dns, {
      slug: "idemb",
      domain: "idemb-msp.example",
      clientDomain: "client-idemb.example",
      contacts: ["jane@client-idemb.example"],
    });
    otherNode = createDb({ provider, url: t.url });
  });

  afterAll(async () => {
    await otherNode?.$disconnect();
    await dns?.close();
    await t?.drop();
  });

  it("R-OUT-3 the same key sent twice in a row: one message, one job; the retry is answered with the stored reply", async () => {
    const tk = await ticket(a);
    const key = randomUUID();
    const first = await send(t.db, a, { ticketId: tk, body: "On it.", idempotencyKey: key });
    const again = await send(t.db, a, { ticketId: tk, body: "On it.", idempotencyKey: key });
    expect(first).toMatchObject({ replayed: false, deliveryState: "QUEUED" });
    expect(again).toEqual({ ...first, replayed: true });
    expect(await stored(tk)).toEqual({ messages: 1, jobs: 1, queuedActivity: 1 });
    expect((await t.db.message.findUniqueOrThrow({ where: { id: first.messageId } })).idempotencyKey).toBe(key);

    // Later, after delivery: the retry reports the message's state now, still without queueing anything.
    await t.db.message.update({ where: { id: first.messageId }, data: { deliveryState: "DELIVERED" } });
    expect(await send(otherNode, a, { ticketId: tk, body: "On it.", idempotencyKey: key })).toMatchObject({
      messageId: first.messageId,
      deliveryState: "DELIVERED",
      replayed: true,
    });
    expect(await stored(tk)).toEqual({ messages: 1, jobs: 1, queuedActivity: 1 });
  });

  it("R-OUT-3 the same key sent concurrently, through one node and through two: one message", async () => {
    const tk = await ticket(a);
    const key = `dbl_${randomUUID()}`;
    const input = { ticketId: tk, body: "Rebooted the printer.", idempotencyKey: key };
    const results = await Promise.all([
      send(t.db, a, input),
      send(t.db, a, input),
      send(otherNode, a, input),
      send(otherNode, a, input),
    ]);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await stored(tk)).toEqual({ messages: 1, jobs: 1, queuedActivity: 1 });
  });

  it("R-OUT-3 a retry that misses the stored reply before queueing is settled by the unique key, not by a second message", async () => {
    const tk = await ticket(a);
    const key = randomUUID();
    const first = await send(t.db, a, { ticketId: tk, body: "Race.", idempotencyKey: key });
    // The retry's look-up ran before the first call committed: it sees nothing and goes on to queue.
    let hidden = false;
    const blind = new Proxy(t.db, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop);
        if (prop === "message" && !hidden) {
          return new Proxy(value as object, {
            get(messages, p) {
              const fn: unknown = Reflect.get(messages, p);
              if (p === "findUnique" && !hidden) {
                hidden = true;
                return () => Promise.resolve(null);
              }
              return typeof fn === "function" ? (fn as (...args: unknown[]) => unknown).bind(messages) : fn;
            },
          });
        }
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const retry = await send(blind, a, { ticketId: tk, body: "Race.", idempotencyKey: key });
    expect(hidden).toBe(true);
    expect(retry).toEqual({ ...first, replayed: true });
    expect(await stored(tk)).toEqual({ messages: 1, jobs: 1, queuedActivity: 1 });
  });

  it("R-OUT-3 different keys are different replies; no key is never deduplicated", async () => {
    const tk = await ticket(a);
    const x = await send(t.db, a, { ticketId: tk, body: "Same words.", idempotencyKey: randomUUID() });
    const y = await send(t.db, a, { ticketId: tk, body: "Same words.", idempotencyKey: randomUUID() });
    expect(x.messageId).not.toBe(y.messageId);
    await send(t.db, a, { ticketId: tk, body: "Same words." });
    await send(t.db, a, { ticketId: tk, body: "Same words." });
    expect(await stored(tk)).toEqual({ messages: 4, jobs: 4, queuedActivity: 4 });
  });

  it("R-TEN-1 another tenant's reply with the same key is its own; the same key on another ticket of the tenant is refused", async () => {
    const key = randomUUID();
    const tkA = await ticket(a);
    const tkB = await ticket(b);
    const inA = await send(t.db, a, { ticketId: tkA, body: "Hello", idempotencyKey: key });
    const inB = await send(t.db, b, { ticketId: tkB, body: "Hello", idempotencyKey: key });
    expect(inB.messageId).not.toBe(inA.messageId);
    expect(inB.replayed).toBe(false);
    expect(await stored(tkB)).toMatchObject({ messages: 1, jobs: 1 });

    // A key names one reply: the composer makes one per draft, so another ticket with it is a client's mistake.
    const tkA2 = await ticket(a);
    const err = await appError(send(t.db, a, { ticketId: tkA2, body: "Hello", idempotencyKey: key }));
    expect(err.code).toBe("CONFLICT");
    expect(await stored(tkA2)).toEqual({ messages: 0, jobs: 0, queuedActivity: 0 });
    // Another tenant naming tenant A's ticket with that key learns nothing: the ticket is not found.
    expect((await appError(send(t.db, b, { ticketId: tkA, body: "Hello", idempotencyKey: key }))).code).toBe(
      "NOT_FOUND",
    );
  });

  it("R-OUT-3 the same key with other content is refused (CONFLICT), and what was first sent stays the only message", async () => {
    const tk = await ticket(a);
    const key = randomUUID();
    await send(t.db, a, { ticketId: tk, body: "Reboot the printer.", idempotencyKey: key });
    const edited = await appError(send(t.db, a, { ticketId: tk, body: "Reboot the router.", idempotencyKey: key }));
    expect(edited.code).toBe("CONFLICT");
    expect(edited.message).toMatch(/already sent/);
    const recipients = await appError(
      send(t.db, a, {
        ticketId: tk,
        body: "Reboot the printer.",
        cc: [{ address: "boss@client-idema.example" }],
        idempotencyKey: key,
      }),
    );
    expect(recipients.code).toBe("CONFLICT");
    const file = await appError(
      send(t.db, a, {
        ticketId: tk,
        body: "Reboot the printer.",
        attachments: [{ filename: "a.txt", contentType: "text/plain", contentBase64: "eA==" }],
        idempotencyKey: key,
      }),
    );
    expect(file.code).toBe("CONFLICT");
    expect(await stored(tk)).toEqual({ messages: 1, jobs: 1, queuedActivity: 1 });
  });

  it("R-TKT-3 a retry of a reply stored before its ticket was merged still answers with it; a new reply there is refused", async () => {
    const source = await ticket(a);
    const survivor = await ticket(a);
    const key = randomUUID();
    const files = [
      { filename: "log.txt", contentType: "text/plain", contentBase64: Buffer.from("log").toString("base64") },
    ];
    const first = await send(t.db, a, { ticketId: source, body: "Fixed.", attachments: files, idempotencyKey: key });
    await mergeTickets(t.db, a.tenantId, { sourceId: source, targetId: survivor });
    const retry = await send(t.db, a, { ticketId: source, body: "Fixed.", attachments: files, idempotencyKey: key });
    expect(retry).toEqual({ ...first, replayed: true });
    expect(await stored(survivor)).toMatchObject({ messages: 1, jobs: 1 });
    expect(
      (await appError(send(t.db, a, { ticketId: source, body: "Fixed.", idempotencyKey: randomUUID() }))).code,
    ).toBe("PRECONDITION");
  });

  it("a malformed key is refused at the boundary, by the domain and by tickets.reply's input", async () => {
    const tk = await ticket(a);
    for (const bad of ["short", "x".repeat(101), "has spaces in it here", "ünïcödé-ünïcödé-ü"]) {
      const err = await appError(send(t.db, a, { ticketId: tk, body: "Hi", idempotencyKey: bad }));
      expect(err).toMatchObject({ code: "BAD_INPUT", field: "idempotencyKey" });
    }
    const caller = createCaller(createContextInner({ db: t.db, session: { sessionId: "s", userId: a.userId } }));
    await expect(
      caller.tickets.reply({
        ticketId: tk,
        to: [{ address: "jane@client-idema.example" }],
        body: "Hi",
        idempotencyKey: "no",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await stored(tk)).toEqual({ messages: 0, jobs: 0, queuedActivity: 0 });
  });
});
