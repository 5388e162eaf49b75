import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appError } from "../../../test/support/app-error";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { createClient } from "../../clients/create-client";
import { listBlocklist } from "../../blocklist/manage-blocklist";
import { matchBlocklist } from "../../mail/blocklist";
import { routeSender } from "../../inbound/routing";
import { createTenant } from "../../tenants/create-tenant";
import { createUser } from "../../users/create-user";
import { addSenderDomainToClient, attributeQueuedFrom, setTicketsClient } from "../attribute-tickets";
import { createClientAndAttribute, updateClientAndAttribute } from "../attribute-client-domains";
import { blockSenders } from "../block-senders";
import { countUnattributedByDomain, listUnattributed } from "../list-unattributed";
import { listTickets } from "../../tickets/list-tickets";
import { seedTicket } from "./seed-queue";

describe.each(testProviders())("R-UNA-1 the Unattributed queue on %s", (provider) => {
  let t: TestDatabase;
  let tenantA: string;
  let tenantB: string;
  let userA: string;
  const ticket = (tenantId: string, from: string | null, subject: string, opts?: Parameters<typeof seedTicket>[4]) =>
    seedTicket(t.db, tenantId, from, subject, opts);

  const clientOf = async (id: string) => (await t.db.ticket.findUniqueOrThrow({ where: { id } })).clientId;
  const contact = (tenantId: string, email: string) =>
    t.db.contact.findUniqueOrThrow({ where: { tenantId_email: { tenantId, email } } });

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantA = (await createTenant(t.db, { slug: "alpha", name: "Alpha MSP" })).id;
    tenantB = (await createTenant(t.db, { slug: "bravo", name: "Bravo MSP" })).id;
    userA = (await createUser(t.db, tenantA, { name: "Sue", email: "sue@alpha.test", role: "SUPPORT", password: "correct horse battery" })).id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it("lists only the tenant's queued tickets, newest first, with sender, domain, subject and message count", async () => {
    const acme = await createClient(t.db, tenantA, { name: "Listed Acme", primaryDomain: "listed-acme.com" });
    const first = await ticket(tenantA, "ann@list-one.example", "Printer on fire", { inbound: 3, name: "Ann" });
    await ticket(tenantA, "bob@listed-acme.com", "Already attributed", { clientId: acme.id });
    await ticket(tenantA, "spam@list-one.example", "Closed", { status: "CLOSED" });
    await ticket(tenantB, "ann@list-one.example", "Other tenant's");
    const last = await ticket(tenantA, "cy@mail.bücher.example", "Umlauts", { status: "PENDING" });

    const page = await listUnattributed(t.db, tenantA);
    expect(page.tickets.map((x) => x.subject)).toEqual(["Umlauts", "Printer on fire"]);
    expect(page.total).toBe(2);
    expect(page.nextCursor).toBeNull();
    expect(page.tickets[1]).toMatchObject({
      id: first.id,
      number: first.number,
      sender: { email: "ann@list-one.example", name: "Ann" },
      senderDomain: "list-one.example",
      senderDomainIsFreeMail: false,
      // Three from Ann and the auto-acknowledgement: the thread, counted as on Tickets (B6).
      messageCount: 4,
      status: "OPEN",
    });
    expect(page.tickets[0]).toMatchObject({ id: last.id, senderDomain: "mail.bücher.example", sender: { email: "cy@mail.bücher.example" } });

    const other = await listUnattributed(t.db, tenantB);
    expect(other.tickets.map((x) => x.subject)).toEqual(["Other tenant's"]);
  });

  it("B6 a ticket's message count is the same on Tickets and Unattributed: the whole thread, acknowledgement included", async () => {
    const queued = await ticket(tenantA, "dee@count-check.example", "Counted twice?", { inbound: 1 });
    const fromQueue = (await listUnattributed(t.db, tenantA, { search: "Counted twice?" })).tickets.find((x) => x.id === queued.id);
    const fromTickets = (await listTickets(t.db, tenantA, { status: "OPEN", search: "Counted twice?" })).items.find((x) => x.id === queued.id);
    expect(fromQueue?.messageCount).toBe(2);
    expect(fromTickets?.messageCount).toBe(2);
    // The other cases count this tenant's queue: leave it as it was.
    await t.db.ticket.delete({ where: { id: queued.id } });
  });

  it("B5 creating or editing a client with a domain attributes the queued tickets from it; the queue names the owner instead of offering Add domain", async () => {
    const a = await ticket(tenantA, "ann@contoso-b5.example", "B5 first");
    const b = await ticket(tenantA, "bo@eu.contoso-b5.example", "B5 subdomain");
    const other = await ticket(tenantA, "cy@fabrikam-b5.example", "B5 other");
    const created = await createClientAndAttribute(t.db, tenantA, { name: "Contoso B5", primaryDomain: "contoso-b5.example" });
    expect(created.attributedTickets).toBe(2);
    expect([await clientOf(a.id), await clientOf(b.id), await clientOf(other.id)]).toEqual([created.id, created.id, null]);
    expect((await contact(tenantA, "ann@contoso-b5.example")).clientId).toBe(created.id);

    const edited = await updateClientAndAttribute(t.db, tenantA, { clientId: created.id, name: "Contoso B5", primaryDomain: "contoso-b5.example", aliasDomains: ["fabrikam-b5.example"] });
    expect(edited.attributedTickets).toBe(1);
    expect(await clientOf(other.id)).toBe(created.id);

    // A ticket queued from the client's domain anyway (e.g. before a rule existed) is not offered "Add domain".
    const late = await ticket(tenantA, "di@eu.contoso-b5.example", "B5 late");
    const row = (await listUnattributed(t.db, tenantA, { search: "B5 late" })).tickets.find((x) => x.id === late.id);
    expect(row?.senderDomainClient).toEqual({ id: created.id, name: "Contoso B5" });
    await setTicketsClient(t.db, tenantA, { ticketIds: [late.id], clientId: created.id });
  });

  it("searches subject, sender and number, filters by domain (with subdomains) and groups by sender domain", async () => {
    expect((await listUnattributed(t.db, tenantA, { search: "PRINTER" })).tickets.map((x) => x.subject)).toEqual(["Printer on fire"]);
    expect((await listUnattributed(t.db, tenantA, { search: "ann@list" })).tickets.map((x) => x.subject)).toEqual(["Printer on fire"]);
    const umlauts = (await listUnattributed(t.db, tenantA, { search: "umlauts" })).tickets[0]!;
    expect((await listUnattributed(t.db, tenantA, { search: `#${umlauts.number}` })).tickets.map((x) => x.id)).toEqual([umlauts.id]);
    expect((await listUnattributed(t.db, tenantA, { domain: "bücher.example" })).tickets.map((x) => x.subject)).toEqual(["Umlauts"]);
    expect((await listUnattributed(t.db, tenantA, { domain: "xn--bcher-kva.example" })).total).toBe(1);
    expect((await listUnattributed(t.db, tenantA, { domain: "one.example" })).total).toBe(0);
    expect(await listUnattributed(t.db, tenantA, { search: "nothing like it" })).toEqual({ tickets: [], nextCursor: null, total: 0 });

    await ticket(tenantA, "dee@list-one.example", "Second from list-one");
    await ticket(tenantA, "x@gmail.com", "Free mail");
    expect(await countUnattributedByDomain(t.db, tenantA)).toEqual([
      { domain: "list-one.example", count: 2, isFreeMail: false },
      { domain: "gmail.com", count: 1, isFreeMail: true },
      { domain: "mail.bücher.example", count: 1, isFreeMail: false },
    ]);
  });

  it("pages with a cursor and never repeats or skips a ticket", async () => {
    const all = (await listUnattributed(t.db, tenantA, { limit: 100 })).tickets.map((x) => x.id);
    expect(all.length).toBe(4);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof listUnattributed>> = await listUnattributed(t.db, tenantA, { limit: 3, cursor });
      seen.push(...page.tickets.map((x) => x.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
    // A cursor of another tenant's ticket is ignored, not followed.
    const foreign = (await listUnattributed(t.db, tenantB)).tickets[0]!.id;
    expect((await listUnattributed(t.db, tenantA, { cursor: foreign, limit: 100 })).tickets.map((x) => x.id)).toEqual(all);
  });

  it("set client: the ticket keeps its number, leaves the queue, its requester moves to the client; a double-submit changes nothing", async () => {
    const client = await createClient(t.db, tenantA, { name: "Set Client Co", primaryDomain: "set-client.example" });
    const one = await ticket(tenantA, "pat@elsewhere.example", "Needs a client");
    const two = await ticket(tenantA, "pat@elsewhere.example", "Pat again");

    const [a, b] = await Promise.all([
      setTicketsClient(t.db, tenantA, { ticketIds: [one.id], clientId: client.id }),
      setTicketsClient(t.db, tenantA, { ticketIds: [one.id], clientId: client.id }),
    ]);
    const results = [a, b].sort((x, y) => y.attributed.length - x.attributed.length);
    expect(results[0]!.attributed).toEqual([{ id: one.id, number: one.number }]);
    expect(results[1]!.attributed).toEqual([]);
    expect(results[1]!.alreadyAttributed).toEqual([{ id: one.id, number: one.number }]);
    // The other queued ticket from the same person is offered.
    expect(results[0]!.followUp).toEqual({ scope: "sender", value: "pat@elsewhere.example", count: 1 });

    const after = await t.db.ticket.findUniqueOrThrow({ where: { id: one.id } });
    expect(after.clientId).toBe(client.id);
    expect(after.number).toBe(one.number);
    expect((await contact(tenantA, "pat@elsewhere.example")).clientId).toBe(client.id);
    expect((await listUnattributed(t.db, tenantA, { limit: 100 })).tickets.map((x) => x.id)).not.toContain(one.id);
    expect(await clientOf(two.id)).toBeNull();
    // Pat's next message routes to the client through the contact.
    expect(await routeSender(t.db, tenantA, "Pat <pat@elsewhere.example>")).toMatchObject({ clientId: client.id, via: "contact" });
  });

  it("set client in bulk: attributes the queued ones, reports and leaves alone one attributed elsewhere meanwhile", async () => {
    const target = await createClient(t.db, tenantA, { name: "Bulk Target", primaryDomain: "bulk-target.example" });
    const other = await createClient(t.db, tenantA, { name: "Bulk Other", primaryDomain: "bulk-other.example" });
    const q1 = await ticket(tenantA, "q1@bulk.example", "Bulk 1");
    const q2 = await ticket(tenantA, "q2@bulk.example", "Bulk 2");
    const taken = await ticket(tenantA, "q3@bulk.example", "Bulk 3", { clientId: other.id });
    const res = await setTicketsClient(t.db, tenantA, { ticketIds: [q1.id, q2.id, taken.id, q1.id], clientId: target.id });
    expect(res.attributed.map((x) => x.id).sort()).toEqual([q1.id, q2.id].sort());
    expect(res.attributedElsewhere).toEqual([{ id: taken.id, number: taken.number, clientName: "Bulk Other" }]);
    expect(res.followUp).toBeNull();
    expect(await clientOf(taken.id)).toBe(other.id);
    expect((await contact(tenantA, "q2@bulk.example")).clientId).toBe(target.id);

    const invalid = await appError(setTicketsClient(t.db, tenantA, { ticketIds: [], clientId: target.id }));
    expect(invalid.code).toBe("BAD_INPUT");
    expect(invalid.message).toBe("Select at least one ticket.");
  });

  it("set client creates the requester contact from the first message when the ticket has none", async () => {
    const client = await createClient(t.db, tenantA, { name: "No Requester Ltd", primaryDomain: "no-requester.example" });
    const bare = await ticket(tenantA, null, "Requester lost");
    await t.db.message.updateMany({ where: { ticketId: bare.id, direction: "INBOUND" }, data: { fromAddress: "Lost One <Lost@Found.example>" } });
    await setTicketsClient(t.db, tenantA, { ticketIds: [bare.id], clientId: client.id });
    const c = await contact(tenantA, "lost@found.example");
    expect(c.clientId).toBe(client.id);
    expect((await t.db.ticket.findUniqueOrThrow({ where: { id: bare.id } })).requesterId).toBe(c.id);
  });

  it("R-TEN-1 refuses another tenant's tickets and clients, and changes nothing", async () => {
    const mine = await createClient(t.db, tenantA, { name: "Mine", primaryDomain: "mine.example" });
    const theirs = await createClient(t.db, tenantB, { name: "Theirs", primaryDomain: "theirs.example" });
    const myTicket = await ticket(tenantA, "me@cross.example", "Mine to triage");
    const theirTicket = await ticket(tenantB, "them@cross.example", "Theirs to triage");

    const cases: (() => Promise<unknown>)[] = [
      () => setTicketsClient(t.db, tenantA, { ticketIds: [theirTicket.id], clientId: mine.id }),
      () => setTicketsClient(t.db, tenantA, { ticketIds: [myTicket.id, theirTicket.id], clientId: mine.id }),
      () => setTicketsClient(t.db, tenantA, { ticketIds: [myTicket.id], clientId: theirs.id }),
      () => addSenderDomainToClient(t.db, tenantA, { ticketId: theirTicket.id, clientId: mine.id }),
      () => addSenderDomainToClient(t.db, tenantA, { ticketId: myTicket.id, clientId: theirs.id }),
      () => attributeQueuedFrom(t.db, tenantA, { clientId: theirs.id, scope: "domain", value: "cross.example" }),
      () => blockSenders(t.db, tenantA, userA, { ticketIds: [myTicket.id, theirTicket.id], scope: "sender" }),
    ];
    for (const c of cases) expect((await appError(c())).code).toBe("NOT_FOUND");
    expect(await clientOf(myTicket.id)).toBeNull();
    expect(await clientOf(theirTicket.id)).toBeNull();
    expect(await t.db.clientDomain.count({ where: { domain: "cross.example" } })).toBe(0);
    expect(await t.db.blocklistEntry.count({ where: { value: "me@cross.example" } })).toBe(0);
    expect((await t.db.ticket.findUniqueOrThrow({ where: { id: myTicket.id } })).status).toBe("OPEN");
  });

  it("add the sender's domain as an alias: attributed now, offered the others, and the next message routes directly", async () => {
    const client = await createClient(t.db, tenantA, { name: "Northwind", primaryDomain: "northwind.example" });
    const first = await ticket(tenantA, "ann@Northwind-Traders.example".toLowerCase(), "First from traders");
    const second = await ticket(tenantA, "bob@northwind-traders.example", "Second from traders");
    const sub = await ticket(tenantA, "cat@eu.northwind-traders.example", "From a subdomain");
    const unrelated = await ticket(tenantA, "dan@not-northwind-traders.example", "Lookalike domain");

    const [r1, r2] = await Promise.all([
      addSenderDomainToClient(t.db, tenantA, { ticketId: first.id, clientId: client.id }),
      addSenderDomainToClient(t.db, tenantA, { ticketId: first.id, clientId: client.id }),
    ]);
    const [done, again] = r1.domainAdded ? [r1, r2] : [r2, r1];
    expect(done).toMatchObject({
      outcome: "ALIAS_DOMAIN",
      domain: "northwind-traders.example",
      domainAdded: true,
      isPrimary: false,
      attributed: [{ id: first.id, number: first.number }],
      followUp: { scope: "domain", value: "northwind-traders.example", count: 2 },
    });
    expect(done.message).toBe("northwind-traders.example is now an alias domain of “Northwind”: new mail from it goes to “Northwind” directly.");
    expect(again).toMatchObject({ domainAdded: false, attributed: [], alreadyAttributed: [{ id: first.id, number: first.number }] });
    expect(await t.db.clientDomain.findMany({ where: { tenantId: tenantA, domain: "northwind-traders.example" } })).toEqual([
      expect.objectContaining({ clientId: client.id, isPrimary: false }),
    ]);
    expect(await clientOf(first.id)).toBe(client.id);
    expect(await routeSender(t.db, tenantA, "new.person@northwind-traders.example")).toMatchObject({ clientId: client.id, via: "domain" });

    // The follow-up attributes the other queued tickets from the domain and its subdomains, once.
    const follow = await attributeQueuedFrom(t.db, tenantA, { clientId: client.id, scope: "domain", value: "Northwind-Traders.example" });
    expect(follow.attributed.map((x) => x.id).sort()).toEqual([second.id, sub.id].sort());
    expect((await attributeQueuedFrom(t.db, tenantA, { clientId: client.id, scope: "domain", value: "northwind-traders.example" })).attributed).toEqual([]);
    expect(await clientOf(unrelated.id)).toBeNull();
  });

  it("add the sender's domain: IDN normalised like the client screens; the primary domain when the client has none", async () => {
    const bare = await createClient(t.db, tenantA, { name: "No Domain Yet" });
    const tk = await ticket(tenantA, "eva@xn--mller-kva.example", "Müller");
    const res = await addSenderDomainToClient(t.db, tenantA, { ticketId: tk.id, clientId: bare.id });
    expect(res).toMatchObject({ outcome: "ALIAS_DOMAIN", domain: "müller.example", isPrimary: true, domainAdded: true });
    expect(res.message).toContain("is now the primary domain of “No Domain Yet”");
    expect(await t.db.clientDomain.findFirst({ where: { clientId: bare.id } })).toMatchObject({ domain: "xn--mller-kva.example", isPrimary: true });
  });

  it("add the sender's domain: refused in plain words when another client has it", async () => {
    await createClient(t.db, tenantA, { name: "Owner Inc", primaryDomain: "owner.example" });
    const other = await createClient(t.db, tenantA, { name: "Wants It", primaryDomain: "wants-it.example" });
    // Arrived before owner.example was given to Owner Inc.
    const tk = await ticket(tenantA, "x@owner.example", "Early mail");
    const err = await appError(addSenderDomainToClient(t.db, tenantA, { ticketId: tk.id, clientId: other.id }));
    expect(err.code).toBe("CONFLICT");
    expect(err.field).toBe("clientId");
    expect(err.message).toBe("owner.example already belongs to the client “Owner Inc”.");
    expect(await clientOf(tk.id)).toBeNull();
  });

  it("a free-mail sender's domain is never a client domain: the sender becomes a contact instead", async () => {
    const client = await createClient(t.db, tenantA, { name: "Freelancers", primaryDomain: "freelancers.example" });
    const tk = await ticket(tenantA, "jo.smith@gmail.com", "From Gmail");
    const again = await ticket(tenantA, "jo.smith@gmail.com", "Jo again");
    const stranger = await ticket(tenantA, "stranger@gmail.com", "Another Gmail user");
    const res = await addSenderDomainToClient(t.db, tenantA, { ticketId: tk.id, clientId: client.id });
    expect(res).toMatchObject({
      outcome: "CONTACT",
      domain: "gmail.com",
      domainAdded: false,
      contactEmail: "jo.smith@gmail.com",
      attributed: [{ id: tk.id, number: tk.number }],
      followUp: { scope: "sender", value: "jo.smith@gmail.com", count: 1 },
    });
    expect(res.message).toBe(
      "gmail.com is a free-mail provider: anyone can have an address there, so it cannot become a domain of “Freelancers”. jo.smith@gmail.com is now a contact of “Freelancers” instead.",
    );
    expect(await t.db.clientDomain.count({ where: { domain: "gmail.com" } })).toBe(0);
    expect((await contact(tenantA, "jo.smith@gmail.com")).clientId).toBe(client.id);
    expect(await routeSender(t.db, tenantA, "jo.smith@gmail.com")).toMatchObject({ clientId: client.id, via: "contact" });
    expect(await routeSender(t.db, tenantA, "someone.else@gmail.com")).toMatchObject({ clientId: null });

    const follow = await attributeQueuedFrom(t.db, tenantA, { clientId: client.id, scope: "sender", value: "Jo.Smith@gmail.com" });
    expect(follow.attributed).toEqual([{ id: again.id, number: again.number }]);
    expect(await clientOf(stranger.id)).toBeNull();
  });

  it("block the sender: a blocklist entry the MTA matches, their queued tickets closed; a double-submit adds nothing", async () => {
    const spam = await ticket(tenantA, "promo@spammy.example", "Cheap things");
    const spam2 = await ticket(tenantA, "promo@spammy.example", "More cheap things");
    const colleague = await ticket(tenantA, "news@spammy.example", "Newsletter");
    const [a, b] = await Promise.all([
      blockSenders(t.db, tenantA, userA, { ticketIds: [spam.id], scope: "sender" }),
      blockSenders(t.db, tenantA, userA, { ticketIds: [spam.id], scope: "sender" }),
    ]);
    const [first, second] = a.entries[0]!.alreadyBlocked ? [b, a] : [a, b];
    expect(first.entries).toEqual([expect.objectContaining({ kind: "EMAIL", value: "promo@spammy.example", alreadyBlocked: false })]);
    expect(first.closed.map((c) => c.id).sort()).toEqual([spam.id, spam2.id].sort());
    expect(first.message).toBe("Blocked promo@spammy.example. Closed 2 tickets from the queue.");
    expect(second.entries[0]).toMatchObject({ id: first.entries[0]!.id, alreadyBlocked: true });
    expect(second.closed).toEqual([]);
    expect(second.message).toBe("promo@spammy.example was already blocked. No queued tickets left to close.");

    const entries = await listBlocklist(t.db, { tenantId: tenantA });
    const made = entries.filter((e) => e.value === "promo@spammy.example");
    expect(made.map((e) => [e.note, e.createdBy?.id])).toEqual([[`Blocked from the Unattributed queue (ticket #${spam.number})`, userA]]);
    expect(matchBlocklist(entries, "Promo@Spammy.example")?.kind).toBe("EMAIL");
    expect((await t.db.ticket.findUniqueOrThrow({ where: { id: spam.id } })).status).toBe("CLOSED");
    expect((await t.db.ticket.findUniqueOrThrow({ where: { id: colleague.id } })).status).toBe("OPEN");
    expect((await listUnattributed(t.db, tenantA, { limit: 100 })).tickets.map((x) => x.id)).not.toContain(spam2.id);
  });

  it("block domains in bulk: subdomains included, attributed tickets untouched, free-mail domains refused", async () => {
    const keeper = await createClient(t.db, tenantA, { name: "Keeper", primaryDomain: "keeper.example" });
    const x1 = await ticket(tenantA, "a@junk-one.example", "Junk one");
    const x2 = await ticket(tenantA, "b@mx.junk-one.example", "Junk one, subdomain");
    const y1 = await ticket(tenantA, "c@junk-two.example", "Junk two");
    const kept = await ticket(tenantA, "d@junk-two.example", "Attributed", { clientId: keeper.id });
    const res = await blockSenders(t.db, tenantA, userA, { ticketIds: [x1.id, y1.id], scope: "domain" });
    expect(res.entries.map((e) => [e.kind, e.value])).toEqual([
      ["DOMAIN", "junk-one.example"],
      ["DOMAIN", "junk-two.example"],
    ]);
    expect(res.closed.map((c) => c.id).sort()).toEqual([x1.id, x2.id, y1.id].sort());
    expect((await t.db.ticket.findUniqueOrThrow({ where: { id: kept.id } })).status).toBe("OPEN");

    const gmail = await ticket(tenantA, "someone@gmail.com", "Free-mail spam");
    const refused = await appError(blockSenders(t.db, tenantA, userA, { ticketIds: [gmail.id], scope: "domain" }));
    expect(refused.code).toBe("BAD_INPUT");
    expect(refused.message).toBe("gmail.com is a free-mail provider: blocking it would drop mail from everyone who uses it. Block the sender instead.");
    expect(await t.db.blocklistEntry.count({ where: { tenantId: tenantA, value: "gmail.com" } })).toBe(0);
    // Blocking the free-mail sender is fine.
    expect((await blockSenders(t.db, tenantA, userA, { ticketIds: [gmail.id], scope: "sender" })).closed).toEqual([
      { id: gmail.id, number: gmail.number },
    ]);
  });
});
