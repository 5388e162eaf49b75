/**
 * The ticket screens' domain code (R-TKT-1, R-TKT-2, R-TKT-3, R-TEN-1) on SQLite and PostgreSQL: list with
 * filters, counts and cursor pages; the thread with participants and auth reasons; status and assignment;
 * merge; adding a CC'd person as a contact; a reply through the outbound queue; the files the page serves.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appError } from "../../test/support/app-error";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { startDnsServer, type TestDnsServer } from "../../test/support/dns-server";
import { createResolver } from "../dns/resolver";
import { parseGatewayAddress } from "../mail/addresses";
import { findThread, survivingTicket } from "../inbound/threading";
import { addSendingDomain, recordsToPublish, setTenantDefaultFrom, verifySendingDomain } from "../sending-domains";
import { createTenant } from "../tenants/create-tenant";
import { createContextInner } from "../trpc/init";
import { createCaller } from "../trpc/routers/_app";
import { addParticipantAsContact } from "./add-participant-contact";
import { getTicket } from "./get-ticket";
import { listTickets, ticketFilterOptions, UNATTRIBUTED } from "./list-tickets";
import { mergeTickets, searchMergeTargets } from "./merge-tickets";
import {
  attachmentDisposition,
  getAttachmentFile,
  getMessageHtmlDocument,
  getMessageSource,
  messageHtmlCsp,
  safeContentType,
} from "./message-files";
import { previewReply, replyToTicket } from "./reply-to-ticket";
import { assignTicket, listAssignees, setTicketStatus } from "./update-ticket";

const SECRET = "tickets-test-secret-0123456789-0123456789";
const INBOUND = "in.tickets.test";
const mail = { secret: SECRET, inboundDomain: INBOUND };

describe.each(testProviders())("tickets on %s", (provider) => {
  let t: TestDatabase;
  let dns: TestDnsServer;
  let tenantA: string;
  let tenantB: string;
  let techId: string;
  let contosoId: string;
  let aliceId: string;
  let seq = 0;

  async function ticket(
    tenantId: string,
    data: { subject: string; clientId?: string | null; requesterId?: string | null; status?: string; at?: string },
  ) {
    seq += 1;
    return t.db.ticket.create({
      data: {
        tenantId,
        number: seq,
        subject: data.subject,
        clientId: data.clientId ?? null,
        requesterId: data.requesterId ?? null,
        status: data.status ?? "OPEN",
        lastActivityAt: new Date(data.at ?? `2026-05-01T09:${String(seq % 60).padStart(2, "0")}:00Z`),
      },
    });
  }

  async function inbound(
    tenantId: string,
    ticketId: string,
    data: {
      id: string;
      from: string;
      name?: string;
      cc?: string[];
      at: string;
      text?: string;
      newText?: string;
      html?: string;
    },
  ) {
    return t.db.message.create({
      data: {
        tenantId,
        ticketId,
        direction: "INBOUND",
        messageIdHeader: data.id,
        fromAddress: data.from,
        fromName: data.name ?? null,
        toJson: JSON.stringify([{ address: `support@acme.${INBOUND}`, name: null }]),
        ccJson: JSON.stringify(
          (data.cc ?? []).map((address) => ({ address, name: /^carol/i.test(address) ? "Carol Client" : null })),
        ),
        subject: "Printer",
        sentAt: new Date(data.at),
        textBody: data.text ?? data.newText ?? "Hello",
        newText: data.newText ?? null,
        htmlBody: data.html ?? null,
        spf: "pass",
        dkim: "fail",
        dmarc: "pass",
        arc: "none",
        authJson: JSON.stringify({
          details: {
            spf: { domain: "contoso.example", comment: "127.0.0.1 is allowed" },
            dkim: [{ domain: "contoso.example", selector: "s1", result: "fail", comment: "body hash did not verify" }],
            dmarc: { domain: "contoso.example", policy: "reject", comment: "aligned via SPF" },
            arc: { comment: null },
          },
        }),
        source: { create: { raw: new Uint8Array(Buffer.from(`Message-ID: <${data.id}>\r\n\r\nHello\r\n`)) } },
      },
    });
  }

  beforeAll(async () => {
    [t, dns] = await Promise.all([createTestDatabase(provider), startDnsServer()]);
    tenantA = (await createTenant(t.db, { slug: "acme", name: "Acme MSP" })).id;
    tenantB = (await createTenant(t.db, { slug: "bravo", name: "Bravo MSP" })).id;
    techId = (
      await t.db.user.create({
        data: {
          id: `tech-${provider}`,
          name: "Tess Tech",
          email: "tess@acme-msp.example",
          tenantId: tenantA,
          role: "TECHNICIAN",
        },
      })
    ).id;
    await t.db.user.create({
      data: {
        id: `off-${provider}`,
        name: "Old Timer",
        email: "old@acme-msp.example",
        tenantId: tenantA,
        disabled: true,
      },
    });
    await t.db.user.create({
      data: { id: `b-${provider}`, name: "Bravo Tech", email: "b@bravo.example", tenantId: tenantB },
    });
    contosoId = (await t.db.client.create({ data: { tenantId: tenantA, name: "Contoso" } })).id;
    aliceId = (
      await t.db.contact.create({
        data: { tenantId: tenantA, clientId: contosoId, email: "alice@contoso.example", name: "Alice Example" },
      })
    ).id;

    const resolver = createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 });
    const domain = await addSendingDomain(t.db, { tenantId: tenantA, domain: "acme-msp.example", secret: SECRET });
    const r = await recordsToPublish(domain, { spfInclude: "_spf.gw.test", dmarcRua: `dmarc-reports@acme.${INBOUND}` });
    for (const rec of [r.spf, r.dkim, r.dmarc]) dns.set(rec.host, [{ type: "TXT", data: rec.chunks }]);
    expect(
      (await verifySendingDomain(t.db, { tenantId: tenantA, id: domain.id, resolver, spfInclude: "_spf.gw.test" }))
        .verified,
    ).toBe(true);
    await setTenantDefaultFrom(t.db, { tenantId: tenantA, address: "support@acme-msp.example", name: "Acme Support" });
  });
  afterAll(async () => {
    await Promise.all([t?.drop(), dns?.close()]);
  });

  it("R-TKT-1 lists one status newest activity first, with counts, filters and cursor pages; never another tenant's", async () => {
    // The search is full-text over messages (search-tickets.test.ts covers ranking): each ticket gets its first mail.
    const withMail = async (tk: Awaited<ReturnType<typeof ticket>>) => {
      await t.db.message.create({
        data: {
          tenantId: tk.tenantId,
          ticketId: tk.id,
          direction: "INBOUND",
          messageIdHeader: `list-${tk.id}@test`,
          fromAddress: "someone@elsewhere.example",
          subject: tk.subject,
          textBody: "Hello",
        },
      });
      return tk;
    };
    const older = await withMail(
      await ticket(tenantA, { subject: "VPN drops every hour", clientId: contosoId, requesterId: aliceId, at: "2026-05-02T08:00:00Z" }),
    );
    const newer = await withMail(
      await ticket(tenantA, { subject: "vpn client licence", clientId: contosoId, at: "2026-05-02T09:00:00Z" }),
    );
    const loose = await withMail(await ticket(tenantA, { subject: "Who is this VPN person", at: "2026-05-02T10:00:00Z" }));
    await withMail(
      await ticket(tenantA, { subject: "VPN fixed", clientId: contosoId, status: "CLOSED", at: "2026-05-02T11:00:00Z" }),
    );
    await withMail(
      await ticket(tenantA, { subject: "VPN waiting on client", clientId: contosoId, status: "PENDING", at: "2026-05-02T12:00:00Z" }),
    );
    await withMail(await ticket(tenantB, { subject: "VPN at Bravo", at: "2026-05-02T13:00:00Z" }));

    const byActivity = await listTickets(t.db, tenantA, { clientId: contosoId });
    expect(byActivity.items.map((i) => i.id)).toEqual([newer.id, older.id]);
    expect(byActivity.counts).toEqual({ OPEN: 2, PENDING: 1, CLOSED: 1 });

    const open = await listTickets(t.db, tenantA, { search: "vpn" });
    expect(open.items.map((i) => i.id).sort()).toEqual([loose.id, newer.id, older.id].sort());
    expect(open.counts).toEqual({ OPEN: 3, PENDING: 1, CLOSED: 1 });
    expect(open.items.find((i) => i.id === older.id)).toMatchObject({
      client: { name: "Contoso" },
      requester: { email: "alice@contoso.example" },
      status: "OPEN",
    });

    const byClient = await listTickets(t.db, tenantA, { search: "VPN", clientId: contosoId });
    expect(byClient.items.map((i) => i.id).sort()).toEqual([newer.id, older.id].sort());
    expect(byClient.counts).toEqual({ OPEN: 2, PENDING: 1, CLOSED: 1 });
    expect(
      (await listTickets(t.db, tenantA, { search: "vpn", clientId: UNATTRIBUTED })).items.map((i) => i.id),
    ).toEqual([loose.id]);
    expect((await listTickets(t.db, tenantA, { search: "vpn", requesterId: aliceId })).items.map((i) => i.id)).toEqual([
      older.id,
    ]);
    expect((await listTickets(t.db, tenantA, { search: `#${older.number}` })).items.map((i) => i.id)).toEqual([
      older.id,
    ]);
    expect((await listTickets(t.db, tenantA, { search: "vpn", status: "CLOSED" })).items.map((i) => i.subject)).toEqual(
      ["VPN fixed"],
    );

    const page1 = await listTickets(t.db, tenantA, { search: "vpn", limit: 2 });
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toBe(page1.items[1]!.id);
    const page2 = await listTickets(t.db, tenantA, { search: "vpn", limit: 2, cursor: page1.nextCursor! });
    expect(page2.nextCursor).toBeNull();
    expect([...page1.items, ...page2.items].map((i) => i.id)).toEqual(open.items.map((i) => i.id));

    expect((await listTickets(t.db, tenantB, { search: "vpn" })).items.map((i) => i.subject)).toEqual(["VPN at Bravo"]);
    const options = await ticketFilterOptions(t.db, tenantA);
    expect(options.clients.map((c) => c.name)).toEqual(["Contoso"]);
    expect(options.requesters.map((c) => c.email)).toContain("alice@contoso.example");
  });

  it("R-TKT-1 the thread: date order, new text with the rest one click away, auth reasons, participants without our own addresses", async () => {
    const tk = await ticket(tenantA, { subject: "Printer", clientId: contosoId, requesterId: aliceId });
    await inbound(tenantA, tk.id, {
      id: "second@contoso.example",
      from: "alice@contoso.example",
      cc: ["Carol@Contoso.example", "tess@acme-msp.example", `support@acme.${INBOUND}`],
      at: "2026-05-03T10:00:00Z",
      newText: "Still broken.",
      text: "Still broken.\n\nOn Monday Alice wrote:\n> It is broken",
      html: '<p>Still <b>broken</b></p><img data-remote-src="https://tracker.example/p.gif">',
    });
    await inbound(tenantA, tk.id, {
      id: "first@contoso.example",
      from: "alice@contoso.example",
      name: "Alice Example",
      cc: ["dave@partner.example"],
      at: "2026-05-03T09:00:00Z",
      text: "It is broken",
    });

    const detail = await getTicket(t.db, { tenantId: tenantA, ticketId: tk.id, ...mail });
    expect(detail.messages.map((m) => m.id.length > 0 && m.sentAt.toISOString())).toEqual([
      "2026-05-03T09:00:00.000Z",
      "2026-05-03T10:00:00.000Z",
    ]);
    const second = detail.messages[1]!;
    expect(second.newText).toBe("Still broken.");
    expect(second.fullText).toContain("> It is broken");
    expect(detail.messages[0]!.fullText).toBeNull();
    expect(second.hasHtml).toBe(true);
    expect(second.hasRemoteContent).toBe(true);
    expect(second.auth).toEqual({
      spf: { result: "pass", reason: "domain contoso.example · 127.0.0.1 is allowed" },
      dkim: { result: "fail", reason: "d=contoso.example s=s1 fail body hash did not verify" },
      dmarc: { result: "pass", reason: "domain contoso.example · policy reject · aligned via SPF" },
      arc: { result: "none", reason: null },
    });
    expect(detail.participants).toEqual([
      {
        address: "alice@contoso.example",
        name: "Alice Example",
        role: "requester",
        contact: { id: aliceId, clientId: contosoId, clientName: "Contoso" },
      },
      { address: "dave@partner.example", name: null, role: "cc", contact: null },
      { address: "carol@contoso.example", name: "Carol Client", role: "cc", contact: null },
    ]);
    expect(detail.replyDefaults.to).toEqual([{ address: "alice@contoso.example", name: "Alice Example" }]);
    expect(detail.replyDefaults.cc.map((c) => c.address)).toEqual(["dave@partner.example", "carol@contoso.example"]);
    expect(parseGatewayAddress(SECRET, detail.replyAddress, INBOUND)).toMatchObject({
      kind: "reply",
      slug: "acme",
      ticketId: tk.id,
    });

    // R-TEN-1: another tenant's ticket does not exist for this tenant.
    expect((await appError(getTicket(t.db, { tenantId: tenantB, ticketId: tk.id, ...mail }))).code).toBe("NOT_FOUND");
  });

  it("R-TKT-1 a CC'd person becomes a contact of the ticket's client in one call; not on an unattributed ticket or off-thread", async () => {
    const tk = await ticket(tenantA, { subject: "CC heavy", clientId: contosoId, requesterId: aliceId });
    await inbound(tenantA, tk.id, {
      id: "cc1@contoso.example",
      from: "alice@contoso.example",
      cc: ["carol@contoso.example"],
      at: "2026-05-04T09:00:00Z",
    });
    const added = await addParticipantAsContact(t.db, tenantA, { ticketId: tk.id, email: "Carol@Contoso.example" });
    expect(added.email).toBe("carol@contoso.example");
    const carol = await t.db.contact.findUniqueOrThrow({
      where: { tenantId_email: { tenantId: tenantA, email: "carol@contoso.example" } },
    });
    expect(carol).toMatchObject({ clientId: contosoId, name: "Carol Client" });
    const detail = await getTicket(t.db, { tenantId: tenantA, ticketId: tk.id, ...mail });
    expect(detail.participants.find((p) => p.address === "carol@contoso.example")?.contact?.clientName).toBe("Contoso");

    expect(
      (await appError(addParticipantAsContact(t.db, tenantA, { ticketId: tk.id, email: "carol@contoso.example" })))
        .code,
    ).toBe("CONFLICT");
    expect(
      (await appError(addParticipantAsContact(t.db, tenantA, { ticketId: tk.id, email: "mallory@evil.example" })))
        .field,
    ).toBe("email");
    const loose = await ticket(tenantA, { subject: "No client" });
    await inbound(tenantA, loose.id, {
      id: "cc2@x.example",
      from: "x@x.example",
      cc: ["y@x.example"],
      at: "2026-05-04T09:00:00Z",
    });
    expect(
      (await appError(addParticipantAsContact(t.db, tenantA, { ticketId: loose.id, email: "y@x.example" }))).code,
    ).toBe("PRECONDITION");
    expect(
      (await appError(addParticipantAsContact(t.db, tenantB, { ticketId: tk.id, email: "carol@contoso.example" })))
        .code,
    ).toBe("NOT_FOUND");
  });

  it("R-TKT-1 status changes and assignment to an active teammate of the same tenant", async () => {
    const tk = await ticket(tenantA, { subject: "Assign me" });
    expect(await setTicketStatus(t.db, tenantA, { ticketId: tk.id, status: "PENDING" })).toEqual({ status: "PENDING" });
    expect((await t.db.ticket.findUniqueOrThrow({ where: { id: tk.id } })).status).toBe("PENDING");
    expect((await assignTicket(t.db, tenantA, { ticketId: tk.id, assigneeId: techId })).assignee).toEqual({
      id: techId,
      name: "Tess Tech",
    });
    expect(
      (await appError(assignTicket(t.db, tenantA, { ticketId: tk.id, assigneeId: `off-${provider}` }))).field,
    ).toBe("assigneeId");
    expect((await appError(assignTicket(t.db, tenantA, { ticketId: tk.id, assigneeId: `b-${provider}` }))).field).toBe(
      "assigneeId",
    );
    expect((await assignTicket(t.db, tenantA, { ticketId: tk.id, assigneeId: null })).assignee).toBeNull();
    expect((await appError(setTicketStatus(t.db, tenantB, { ticketId: tk.id, status: "CLOSED" }))).code).toBe(
      "NOT_FOUND",
    );
    expect((await listAssignees(t.db, tenantA)).map((u) => u.name)).toEqual(["Tess Tech"]);
  });

  it("R-TKT-3 merge moves the messages into the survivor in date order, closes the merged ticket with a pointer, and its mail follows", async () => {
    const survivor = await ticket(tenantA, {
      subject: "Email down",
      clientId: contosoId,
      requesterId: aliceId,
      at: "2026-05-05T09:00:00Z",
    });
    const dup = await ticket(tenantA, {
      subject: "RE: Email down",
      clientId: contosoId,
      requesterId: aliceId,
      at: "2026-05-05T12:00:00Z",
    });
    const earlier = await ticket(tenantA, { subject: "Earlier duplicate", at: "2026-05-05T08:00:00Z" });
    await inbound(tenantA, survivor.id, {
      id: "s1@contoso.example",
      from: "alice@contoso.example",
      at: "2026-05-05T09:00:00Z",
    });
    await inbound(tenantA, survivor.id, {
      id: "s2@contoso.example",
      from: "alice@contoso.example",
      at: "2026-05-05T11:00:00Z",
    });
    await inbound(tenantA, dup.id, {
      id: "d1@contoso.example",
      from: "alice@contoso.example",
      at: "2026-05-05T10:00:00Z",
    });
    await inbound(tenantA, earlier.id, {
      id: "e1@contoso.example",
      from: "alice@contoso.example",
      at: "2026-05-05T08:00:00Z",
    });
    // A ticket merged into the duplicate earlier keeps following the chain.
    await mergeTickets(t.db, tenantA, { sourceId: earlier.id, targetId: dup.id });

    const targets = await searchMergeTargets(t.db, tenantA, { ticketId: dup.id, query: `#${survivor.number}` });
    expect(targets[0]?.id).toBe(survivor.id);
    expect(
      (await searchMergeTargets(t.db, tenantA, { ticketId: dup.id, query: "email down" })).map((r) => r.id),
    ).toEqual([survivor.id]);
    expect((await searchMergeTargets(t.db, tenantA, { ticketId: dup.id, query: "earlier" })).map((r) => r.id)).toEqual(
      [],
    );
    // R-TEN-1: another tenant cannot search merge targets for this tenant's ticket.
    expect((await appError(searchMergeTargets(t.db, tenantB, { ticketId: dup.id, query: "" }))).code).toBe("NOT_FOUND");

    const result = await mergeTickets(t.db, tenantA, { sourceId: dup.id, targetId: survivor.id });
    expect(result).toEqual({ survivorId: survivor.id, survivorNumber: survivor.number, movedMessages: 2 });
    const merged = await t.db.ticket.findUniqueOrThrow({ where: { id: dup.id } });
    expect(merged).toMatchObject({ status: "CLOSED", mergedIntoId: survivor.id });
    expect((await t.db.ticket.findUniqueOrThrow({ where: { id: earlier.id } })).mergedIntoId).toBe(survivor.id);
    const after = await getTicket(t.db, { tenantId: tenantA, ticketId: survivor.id, ...mail });
    expect(after.messages.map((m) => m.sentAt.toISOString().slice(11, 16))).toEqual([
      "08:00",
      "09:00",
      "10:00",
      "11:00",
    ]);
    expect(after.mergedFrom.map((m) => m.id).sort()).toEqual([dup.id, earlier.id].sort());
    expect(after.lastActivityAt.toISOString()).toBe("2026-05-05T12:00:00.000Z");
    const mergedView = await getTicket(t.db, { tenantId: tenantA, ticketId: dup.id, ...mail });
    expect(mergedView.mergedInto).toEqual({ id: survivor.id, number: survivor.number, subject: "Email down" });
    expect(mergedView.messages).toEqual([]);

    // Threading: the merged ticket's reply address and its old Message-Ids land on the survivor.
    const thread = (addresses: string[], inReplyTo: string | null) =>
      findThread(t.db, {
        tenantId: tenantA,
        slug: "acme",
        secret: SECRET,
        inboundDomain: INBOUND,
        addresses,
        inReplyTo,
        references: [],
      });
    expect(await thread([mergedView.replyAddress], null)).toEqual({ ticketId: survivor.id, via: "reply-token" });
    expect(await thread([], "d1@contoso.example")).toEqual({ ticketId: survivor.id, via: "in-reply-to" });
    expect(await survivingTicket(t.db, tenantA, earlier.id)).toBe(survivor.id);

    expect((await appError(mergeTickets(t.db, tenantA, { sourceId: dup.id, targetId: survivor.id }))).code).toBe(
      "CONFLICT",
    );
    expect((await appError(mergeTickets(t.db, tenantA, { sourceId: survivor.id, targetId: dup.id }))).field).toBe(
      "targetId",
    );
    expect((await appError(mergeTickets(t.db, tenantA, { sourceId: survivor.id, targetId: survivor.id }))).field).toBe(
      "targetId",
    );
    const other = await ticket(tenantB, { subject: "Bravo's" });
    expect((await appError(mergeTickets(t.db, tenantA, { sourceId: survivor.id, targetId: other.id }))).field).toBe(
      "targetId",
    );
    expect((await appError(setTicketStatus(t.db, tenantA, { ticketId: dup.id, status: "OPEN" }))).code).toBe(
      "PRECONDITION",
    );
    expect(
      (
        await appError(
          replyToTicket(
            t.db,
            { tenantId: tenantA, authorId: techId, ...mail },
            { ticketId: dup.id, to: [{ address: "alice@contoso.example" }], body: "x" },
          ),
        )
      ).code,
    ).toBe("PRECONDITION");
  });

  it("R-TKT-2 a Markdown reply from the composer is in the thread at once, QUEUED, as its source text and rendered, sanitised HTML, with its attachment", async () => {
    const tk = await ticket(tenantA, { subject: "Reply please", clientId: contosoId, requesterId: aliceId });
    await inbound(tenantA, tk.id, {
      id: "rp1@contoso.example",
      from: "alice@contoso.example",
      at: "2026-05-06T09:00:00Z",
    });
    const queued = await replyToTicket(
      t.db,
      { tenantId: tenantA, authorId: techId, ...mail },
      {
        ticketId: tk.id,
        to: [{ address: "alice@contoso.example", name: "Alice Example" }],
        cc: [{ address: "carol@contoso.example" }],
        body: "Hi Alice,\n\n<script>alert(1)</script> see https://status.example/x.\n**Thanks**",
        attachments: [
          {
            filename: "steps.txt",
            contentType: "text/plain",
            contentBase64: Buffer.from("1. reboot\n").toString("base64"),
          },
        ],
      },
    );
    expect(queued.recipients).toEqual(["alice@contoso.example", "carol@contoso.example"]);
    const detail = await getTicket(t.db, { tenantId: tenantA, ticketId: tk.id, ...mail });
    const sent = detail.messages.at(-1)!;
    expect(sent).toMatchObject({
      direction: "OUTBOUND",
      deliveryState: "QUEUED",
      author: { name: "Tess Tech" },
      from: { address: "support@acme-msp.example" },
    });
    expect(sent.newText).toContain("<script>alert(1)</script>");
    expect(sent.attachments.map((a) => [a.filename, a.size])).toEqual([["steps.txt", 10]]);
    const stored = await t.db.message.findUniqueOrThrow({ where: { id: queued.messageId } });
    expect(stored.textBody).toBe("Hi Alice,\n\n<script>alert(1)</script> see https://status.example/x.\n**Thanks**\n");
    expect(stored.htmlBody).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(stored.htmlBody).not.toContain("<script");
    expect(stored.htmlBody).toContain(
      '<a href="https://status.example/x" rel="noopener noreferrer nofollow" target="_blank">https://status.example/x</a>.<br />\n<strong>Thanks</strong>',
    );
    // The composer's preview is the same rendering.
    expect(previewReply({ body: stored.textBody! }).html).toBe(stored.htmlBody);
    expect(await t.db.outboundJob.count({ where: { messageId: queued.messageId, state: "QUEUED" } })).toBe(1);

    expect(
      (
        await appError(
          replyToTicket(
            t.db,
            { tenantId: tenantA, authorId: techId, ...mail },
            { ticketId: tk.id, to: [{ address: "alice@contoso.example" }], body: "  " },
          ),
        )
      ).code,
    ).toBe("BAD_INPUT");
    expect(
      (
        await appError(
          replyToTicket(
            t.db,
            { tenantId: tenantA, authorId: techId, ...mail },
            { ticketId: tk.id, to: [{ address: "alice@contoso.example\r\nBcc: x@y.z" }], body: "x" },
          ),
        )
      ).field,
    ).toBe("to");
    expect(
      (
        await appError(
          replyToTicket(
            t.db,
            { tenantId: tenantB, authorId: techId, ...mail },
            { ticketId: tk.id, to: [{ address: "alice@contoso.example" }], body: "x" },
          ),
        )
      ).code,
    ).toBe("NOT_FOUND");
  });

  it("R-OUT-2 a reply from an unverified sending domain is refused in words naming the record, and nothing is queued", async () => {
    const domain = await addSendingDomain(t.db, { tenantId: tenantA, domain: "unverified.example", secret: SECRET });
    const client = await t.db.client.create({
      data: { tenantId: tenantA, name: "Override Co", sendingDomainId: domain.id },
    });
    const tk = await ticket(tenantA, { subject: "From an unverified domain", clientId: client.id });
    const err = await appError(
      replyToTicket(
        t.db,
        { tenantId: tenantA, authorId: techId, ...mail },
        { ticketId: tk.id, to: [{ address: "x@override.example" }], body: "Hello" },
      ),
    );
    expect(err.code).toBe("PRECONDITION");
    expect(err.message).toMatch(/unverified\.example is not a verified sending domain/);
    expect(await t.db.message.count({ where: { ticketId: tk.id } })).toBe(0);
  });

  it("R-TKT-1 files: attachment and source bytes as stored, within the tenant; the HTML view is inert, embeds cid: images, blocks remote until asked", async () => {
    const tk = await ticket(tenantA, { subject: "Files" });
    const png = Buffer.from(
      "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a70000000049454e44ae426082",
      "hex",
    );
    const m = await inbound(tenantA, tk.id, {
      id: "files@contoso.example",
      from: "alice@contoso.example",
      at: "2026-05-07T09:00:00Z",
      // As stored by an older ingestion, plus what a hostile sender would try if a rule were missing.
      html: '<p onclick="x()">Logo <img src="cid:logo@contoso"><img src="https://tracker.example/p.gif?u=1"><a href="javascript:alert(1)">x</a></p><script>parent.document.title="pwned"</script><form action="https://evil.example"><input></form>',
    });
    const logo = await t.db.attachment.create({
      data: {
        tenantId: tenantA,
        messageId: m.id,
        filename: "logo.png",
        contentType: "image/png",
        size: png.length,
        contentId: "logo@contoso",
        inline: true,
        sha256: "x",
        content: new Uint8Array(png),
      },
    });
    const pdf = await t.db.attachment.create({
      data: {
        tenantId: tenantA,
        messageId: m.id,
        filename: "Bericht März.pdf",
        contentType: "application/pdf\r\nX-Evil: 1",
        size: 3,
        sha256: "y",
        content: new Uint8Array([1, 2, 255]),
      },
    });

    const file = await getAttachmentFile(t.db, tenantA, pdf.id);
    expect(Buffer.from(file.content).equals(Buffer.from([1, 2, 255]))).toBe(true);
    expect(file.contentType).toBe("application/octet-stream");
    expect((await getAttachmentFile(t.db, tenantA, logo.id)).contentType).toBe("image/png");
    expect((await appError(getAttachmentFile(t.db, tenantB, pdf.id))).code).toBe("NOT_FOUND");
    expect(attachmentDisposition("Bericht März.pdf")).toBe(
      `attachment; filename="Bericht M_rz.pdf"; filename*=UTF-8''Bericht%20M%C3%A4rz.pdf`,
    );
    expect(attachmentDisposition('a"\r\nb.txt')).toBe(`attachment; filename="a__b.txt"; filename*=UTF-8''a%22_b.txt`);
    expect(safeContentType("text/html; charset=utf-8")).toBe("text/html");

    const source = await getMessageSource(t.db, tenantA, m.id);
    expect(Buffer.from(source.content).toString()).toContain("Message-ID: <files@contoso.example>");
    expect(source.contentType).toBe("message/rfc822");
    expect((await appError(getMessageSource(t.db, tenantB, m.id))).code).toBe("NOT_FOUND");

    const blocked = await getMessageHtmlDocument(t.db, tenantA, m.id, { loadRemote: false });
    expect(blocked).toContain(`src="data:image/png;base64,${png.toString("base64")}"`);
    expect(blocked).toContain('data-remote-src="https://tracker.example/p.gif?u=1"');
    expect(blocked).not.toMatch(/ src="https?:/);
    for (const bad of ["<script", "onclick", "javascript:", "<form", "<input", "evil.example", "cid:"])
      expect(blocked).not.toContain(bad);
    const remote = await getMessageHtmlDocument(t.db, tenantA, m.id, { loadRemote: true });
    expect(remote).toContain('src="https://tracker.example/p.gif?u=1"');
    expect(remote).not.toContain("<script");
    expect(messageHtmlCsp(false)).toContain("img-src data:;");
    expect(messageHtmlCsp(false)).toMatch(/default-src 'none'.*sandbox allow-popups/);
    expect(messageHtmlCsp(false)).not.toContain("allow-scripts");
    expect(messageHtmlCsp(true)).toContain("img-src data: https: http:;");
    expect((await appError(getMessageHtmlDocument(t.db, tenantB, m.id, { loadRemote: false }))).code).toBe("NOT_FOUND");
  });

  it("R-TEN-4 R-TEN-1 through tRPC: every role works tickets, anonymous callers are refused, another tenant's ticket is not found", async () => {
    const tk = await ticket(tenantA, { subject: "Role check" });
    const caller = (userId: string | null) =>
      createCaller(createContextInner({ db: t.db, session: userId ? { sessionId: "s", userId } : null }));
    for (const role of ["ADMIN", "TECHNICIAN", "SUPPORT"] as const) {
      const id = `${role.toLowerCase()}-${provider}`;
      await t.db.user.create({ data: { id, name: role, email: `${id}@acme.test`, tenantId: tenantA, role } });
      await expect(caller(id).tickets.setStatus({ ticketId: tk.id, status: "PENDING" })).resolves.toEqual({
        status: "PENDING",
      });
      const list = await caller(id).tickets.list({ search: `#${tk.number}`, status: "PENDING" });
      expect(list.items.map((i) => i.id)).toEqual([tk.id]);
    }
    await expect(caller(null).tickets.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(
      caller(`b-${provider}`).tickets.setStatus({ ticketId: tk.id, status: "CLOSED" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await caller(`b-${provider}`).tickets.list({ search: "Role check", status: "PENDING" })).items).toEqual([]);
  });

  it("R-TKT-2 the composer's preview renders Markdown through the one sanitiser; raw HTML stays text", () => {
    const { html } = previewReply({ body: 'One <b>&</b> "two"\n\n[pay](javascript:alert(1)) *now*' });
    expect(html).toContain("One &lt;b&gt;&amp;&lt;/b&gt;");
    expect(html).toContain("[pay](javascript:alert(1)) <em>now</em>");
    expect(previewReply({ body: "   " }).html).toBe("");
  });
});
