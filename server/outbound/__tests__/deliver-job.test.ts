/**
 * R-OUT-3: routing and one SMTP conversation, against a real DNS server and a real receiving SMTP server (no MTA
 * process, no database): how each kind of answer is classified, and that a failed data-in-flight mark means the
 * end-of-data dot is never sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDnsServer, type TestDnsServer } from "../../../test/support/dns-server";
import { deadPort } from "../../../test/support/mta";
import { messageIdOf, startSmtpReceiver, type SmtpReceiver } from "../../../test/support/smtp-receiver";
import { createResolver, type Resolver } from "../../dns/resolver";
import { resolveRoutes, sendOverSmtp, type Route } from "../deliver-job";

const RAW = Buffer.from(
  "From: a@sender.example\r\nTo: b@client.example\r\nSubject: hi\r\nMessage-ID: <t1@sender.example>\r\n\r\nHello\r\n.leading dot\r\n",
);

describe("R-OUT-3 routes and SMTP outcomes", () => {
  let dns: TestDnsServer;
  let resolver: Resolver;
  let receiver: SmtpReceiver;
  let route: Route;

  beforeAll(async () => {
    [dns, receiver] = await Promise.all([startDnsServer(), startSmtpReceiver()]);
    resolver = createResolver({ servers: [dns.address], timeoutMs: 500, tries: 1 });
    route = { name: "127.0.0.1", address: "127.0.0.1", port: receiver.port };
    dns.set("multi.example", [
      { type: "MX", exchange: "b.multi.example", priority: 20 },
      { type: "MX", exchange: "a.multi.example.", priority: 10 },
    ]);
    dns.set("a.multi.example", [
      { type: "A", address: "192.0.2.1" },
      { type: "AAAA", address: "2001:db8::1" },
    ]);
    dns.set("b.multi.example", [{ type: "A", address: "192.0.2.2" }]);
    dns.set("bare.example", [{ type: "A", address: "192.0.2.3" }]);
    dns.set("nullmx.example", [{ type: "MX", exchange: "", priority: 0 }]);
    dns.set("nohost.example", [{ type: "MX", exchange: "gone.nohost.example", priority: 10 }]);
  });
  afterAll(async () => {
    await Promise.all([dns?.close(), receiver?.close()]);
  });

  const opts = { relay: null, smtpPort: 2525 };

  it("orders MX hosts by preference with each host's addresses; no MX means the domain itself", async () => {
    expect(await resolveRoutes(resolver, "multi.example", opts)).toEqual({
      ok: true,
      routes: [
        { name: "a.multi.example", address: "192.0.2.1", port: 2525 },
        { name: "a.multi.example", address: "2001:db8::1", port: 2525 },
        { name: "b.multi.example", address: "192.0.2.2", port: 2525 },
      ],
    });
    expect(await resolveRoutes(resolver, "bare.example", opts)).toEqual({
      ok: true,
      routes: [{ name: "bare.example", address: "192.0.2.3", port: 2525 }],
    });
  });

  it("null MX and NXDOMAIN are permanent; MX hosts without addresses and a dead resolver are temporary", async () => {
    const failure = async (r: Resolver, domain: string) => {
      const found = await resolveRoutes(r, domain, opts);
      if (found.ok) throw new Error(`${domain} unexpectedly has routes`);
      return [found.permanent, found.reply] as const;
    };
    expect(await failure(resolver, "nullmx.example")).toEqual([
      true,
      "556 5.1.10 nullmx.example does not accept mail (null MX)",
    ]);
    expect(await failure(resolver, "missing.example")).toEqual([
      true,
      "550 5.1.2 Domain missing.example does not exist (DNS NXDOMAIN)",
    ]);
    expect((await failure(resolver, "nohost.example"))[0]).toBe(false);
    const dead = createResolver({ servers: [`127.0.0.1:${await deadPort()}`], timeoutMs: 300, tries: 1 });
    const [permanent, reply] = await failure(dead, "multi.example");
    expect(permanent).toBe(false);
    expect(reply).toMatch(/^451 4\.4\.3 MX look-up for multi\.example failed/);
  });

  it("a relay replaces MX look-up", async () => {
    expect(
      await resolveRoutes(resolver, "multi.example", { relay: { host: "127.0.0.1", port: 2600 }, smtpPort: 25 }),
    ).toEqual({
      ok: true,
      routes: [{ name: "127.0.0.1", address: "127.0.0.1", port: 2600 }],
    });
  });

  it("2xx delivered, 4xx and 5xx at RCPT kept per recipient, the body sent byte for byte over STARTTLS", async () => {
    receiver.rules = {
      rcpt: (a) =>
        a.startsWith("busy@")
          ? { code: 452, message: "4.2.2 Mailbox busy" }
          : a.startsWith("gone@")
            ? { code: 550, message: "5.1.1 Gone" }
            : null,
    };
    try {
      const before = receiver.messages.length;
      const r = await sendOverSmtp(
        route,
        { from: "bounce@gw.example", to: ["ok@client.example", "busy@client.example", "gone@client.example"] },
        RAW,
        { heloName: "gw.example" },
      );
      expect(r.tls).toBe(true);
      expect(r.outcomes[0]!.reply).toMatch(/^250 /);
      expect(r.outcomes).toEqual([
        { recipient: "ok@client.example", kind: "delivered", reply: r.outcomes[0]!.reply },
        { recipient: "busy@client.example", kind: "deferred", reply: "452 4.2.2 Mailbox busy" },
        { recipient: "gone@client.example", kind: "bounced", reply: "550 5.1.1 Gone" },
      ]);
      const got = receiver.messages.slice(before);
      expect(got).toHaveLength(1);
      expect(got[0]!.recipients).toEqual(["ok@client.example"]);
      expect(got[0]!.raw.equals(RAW)).toBe(true);
    } finally {
      receiver.rules = {};
    }
  });

  it("5xx or 4xx at the end of DATA applies to every accepted recipient; nobody accepted keeps each reply", async () => {
    receiver.rules = { data: () => ({ code: 554, message: "5.7.1 Spam detected" }) };
    try {
      const r = await sendOverSmtp(
        route,
        { from: "bounce@gw.example", to: ["a@client.example", "b@client.example"] },
        RAW,
        { heloName: "gw.example" },
      );
      expect(r.outcomes.map((o) => [o.kind, o.reply])).toEqual([
        ["bounced", "554 5.7.1 Spam detected"],
        ["bounced", "554 5.7.1 Spam detected"],
      ]);
      receiver.rules = {
        rcpt: (a) =>
          a.startsWith("a@") ? { code: 450, message: "4.7.1 Try later" } : { code: 550, message: "5.1.1 Unknown" },
      };
      const none = await sendOverSmtp(
        route,
        { from: "bounce@gw.example", to: ["a@client.example", "b@client.example"] },
        RAW,
        { heloName: "gw.example" },
      );
      expect(none.outcomes).toEqual([
        { recipient: "a@client.example", kind: "deferred", reply: "450 4.7.1 Try later" },
        { recipient: "b@client.example", kind: "bounced", reply: "550 5.1.1 Unknown" },
      ]);
    } finally {
      receiver.rules = {};
    }
  });

  it("no connection: deferred and the next host may be tried", async () => {
    const r = await sendOverSmtp(
      { name: "127.0.0.1", address: "127.0.0.1", port: await deadPort() },
      { from: "b@gw.example", to: ["a@client.example"] },
      RAW,
      { heloName: "gw.example" },
    );
    expect(r).toMatchObject({ tryNext: true, tls: false, outcomes: [{ kind: "deferred" }] });
    expect(r.outcomes[0]!.reply).toMatch(/ECONNREFUSED|ECONNECTION/);
  });

  it("a failed data-in-flight mark drops the connection before the end-of-data dot: nothing is delivered", async () => {
    const attemptsBefore = receiver.attempts.length;
    const messagesBefore = receiver.messages.length;
    let accepted: string[] = [];
    const r = await sendOverSmtp(route, { from: "b@gw.example", to: ["a@client.example"] }, RAW, {
      heloName: "gw.example",
      beforeDataEnd: (list) => {
        accepted = list;
        return Promise.reject(new Error("claim lost"));
      },
    });
    expect(accepted).toEqual(["a@client.example"]);
    expect(r.outcomes).toEqual([{ recipient: "a@client.example", kind: "deferred", reply: "Not sent: claim lost" }]);
    // A later message over a new connection, once it has arrived, proves the receiver has handled everything the
    // dropped connection sent before it: the only end of DATA it saw is the later one's.
    const later = Buffer.from(RAW.toString().replace("<t1@sender.example>", "<t1-later@sender.example>"));
    const next = await sendOverSmtp(route, { from: "b@gw.example", to: ["a@client.example"] }, later, {
      heloName: "gw.example",
    });
    expect(next.outcomes).toEqual([expect.objectContaining({ recipient: "a@client.example", kind: "delivered" })]);
    await receiver.waitFor((m) => messageIdOf(m) === "t1-later@sender.example");
    expect(receiver.attempts.slice(attemptsBefore).map(messageIdOf)).toEqual(["t1-later@sender.example"]);
    expect(receiver.messages.slice(messagesBefore).map(messageIdOf)).toEqual(["t1-later@sender.example"]);
  });
});
