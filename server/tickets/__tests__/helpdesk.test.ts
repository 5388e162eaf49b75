/**
 * R-UX-3 on SQLite and PostgreSQL: the audit trail (status, assignee, client and merge changes, who and from → to,
 * written with the change), internal notes (in the thread, moved by a merge, tenant-scoped), setting a ticket's
 * client from the ticket page (the requester becomes the client's contact), and canned responses (placeholders
 * refused at save, rendered for one ticket and user, per tenant).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { appError } from "../../../test/support/app-error";
import { createClientRow, createTenantRow } from "../../../test/support/gateway-data";
import { createTestDatabase, testProviders, type TestDatabase } from "../../../test/support/database";
import { deleteCannedResponse } from "../../canned-responses/delete-canned-response";
import { listCannedResponses } from "../../canned-responses/list-canned-responses";
import { renderCannedResponse } from "../../canned-responses/render-canned-response";
import { saveCannedResponse } from "../../canned-responses/save-canned-response";
import { setTicketsClient } from "../../unattributed/attribute-tickets";
import { addTicketNote } from "../add-ticket-note";
import { getTicket } from "../get-ticket";
import { mergeTickets } from "../merge-tickets";
import { setTicketClient } from "../../unattributed/set-ticket-client";
import { assignTicket, setTicketStatus } from "../update-ticket";

const mail = { secret: "helpdesk-test-secret-0123456789-0123456789", inboundDomain: "in.helpdesk.test" };

describe.each(testProviders())("helpdesk on %s", (provider) => {
  let t: TestDatabase;
  let tenantA: string;
  let tenantB: string;
  let tess: string;
  let sam: string;
  let contoso: { id: string; name: string };
  let fabrikam: { id: string; name: string };
  let seq = 0;

  async function ticket(tenantId: string, data: { clientId?: string | null; from?: string } = {}) {
    seq += 1;
    const from = data.from ?? `requester${seq}@stranger.example`;
    const requester = data.clientId
      ? await t.db.contact.create({ data: { tenantId, email: from, clientId: data.clientId } })
      : null;
    const created = await t.db.ticket.create({
      data: {
        tenantId,
        number: seq,
        subject: `Subject ${seq}`,
        clientId: data.clientId ?? null,
        requesterId: requester?.id ?? null,
      },
    });
    await t.db.message.create({
      data: {
        tenantId,
        ticketId: created.id,
        direction: "INBOUND",
        messageIdHeader: `hd-${provider}-${seq}@stranger.example`,
        fromAddress: from,
        subject: created.subject,
        textBody: "Help.",
        sentAt: new Date(Date.now() - 60_000),
      },
    });
    return created;
  }
  const detail = (tenantId: string, ticketId: string) => getTicket(t.db, { tenantId, ticketId, ...mail });
  const trail = async (ticketId: string) =>
    (await detail(tenantA, ticketId)).events.map((e) => `${e.kind} ${e.from ?? "∅"} → ${e.to ?? "∅"} by ${e.actor?.name ?? "gateway"}`);

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantA = (await createTenantRow(t.db, "hd-a")).id;
    tenantB = (await createTenantRow(t.db, "hd-b")).id;
    tess = (await t.db.user.create({ data: { id: `tess-${provider}`, name: "Tess Tech", email: `tess-${provider}@a.test`, tenantId: tenantA } })).id;
    sam = (await t.db.user.create({ data: { id: `sam-${provider}`, name: "Sam Support", email: `sam-${provider}@a.test`, tenantId: tenantA, role: "SUPPORT" } })).id;
    contoso = await createClientRow(t.db, tenantA, { name: "Contoso", primaryDomain: "contoso.example" });
    fabrikam = await createClientRow(t.db, tenantA, { name: "Fabrikam", primaryDomain: "fabrikam.example" });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("R-UX-3 status and assignee changes are recorded with who and from → to; a non-change records nothing", async () => {
    const tk = await ticket(tenantA, { clientId: contoso.id });
    await setTicketStatus(t.db, tenantA, { ticketId: tk.id, status: "PENDING" }, tess);
    await setTicketStatus(t.db, tenantA, { ticketId: tk.id, status: "PENDING" }, tess);
    await assignTicket(t.db, tenantA, { ticketId: tk.id, assigneeId: sam }, tess);
    await assignTicket(t.db, tenantA, { ticketId: tk.id, assigneeId: sam }, tess);
    await assignTicket(t.db, tenantA, { ticketId: tk.id, assigneeId: tess }, sam);
    await assignTicket(t.db, tenantA, { ticketId: tk.id, assigneeId: null }, sam);
    await setTicketStatus(t.db, tenantA, { ticketId: tk.id, status: "CLOSED" }, sam);
    expect(await trail(tk.id)).toEqual([
      "STATUS OPEN → PENDING by Tess Tech",
      "ASSIGNEE ∅ → Sam Support by Tess Tech",
      "ASSIGNEE Sam Support → Tess Tech by Sam Support",
      "ASSIGNEE Tess Tech → ∅ by Sam Support",
      "STATUS PENDING → CLOSED by Sam Support",
    ]);
    // A refused change (another tenant's ticket; a disabled user) leaves no event behind.
    const before = await t.db.ticketEvent.count();
    expect((await appError(setTicketStatus(t.db, tenantB, { ticketId: tk.id, status: "OPEN" }, tess))).code).toBe("NOT_FOUND");
    const off = await t.db.user.create({ data: { id: `off-${provider}`, name: "Off", email: `off-${provider}@a.test`, tenantId: tenantA, disabled: true } });
    expect((await appError(assignTicket(t.db, tenantA, { ticketId: tk.id, assigneeId: off.id }, tess))).field).toBe("assigneeId");
    expect(await t.db.ticketEvent.count()).toBe(before);
  });

  it("R-UX-3 setting the client from the ticket page: the sender becomes the client's contact, the change is in the trail", async () => {
    const queued = await ticket(tenantA, { from: "newbie@gmail.example" });
    await setTicketClient(t.db, tenantA, { ticketId: queued.id, clientId: contoso.id }, tess);
    const contact = await t.db.contact.findFirstOrThrow({ where: { tenantId: tenantA, email: "newbie@gmail.example" } });
    expect(contact.clientId).toBe(contoso.id);
    expect(await t.db.ticket.findUniqueOrThrow({ where: { id: queued.id } })).toMatchObject({ clientId: contoso.id, requesterId: contact.id });
    // Changing it again moves the requester along; choosing the same client again records nothing.
    await setTicketClient(t.db, tenantA, { ticketId: queued.id, clientId: fabrikam.id }, sam);
    await setTicketClient(t.db, tenantA, { ticketId: queued.id, clientId: fabrikam.id }, sam);
    expect((await t.db.contact.findUniqueOrThrow({ where: { id: contact.id } })).clientId).toBe(fabrikam.id);
    expect(await trail(queued.id)).toEqual(["CLIENT ∅ → Contoso by Tess Tech", "CLIENT Contoso → Fabrikam by Sam Support"]);
    // The Unattributed queue's "set client" is the same move and leaves the same trace.
    const other = await ticket(tenantA, { from: "second@stranger.example" });
    await setTicketsClient(t.db, tenantA, { ticketIds: [other.id], clientId: contoso.id }, sam);
    expect(await trail(other.id)).toEqual(["CLIENT ∅ → Contoso by Sam Support"]);
    // Another tenant's ticket or client is not found; a missing client is a field error.
    const theirs = await ticket(tenantB);
    expect((await appError(setTicketClient(t.db, tenantA, { ticketId: theirs.id, clientId: contoso.id }, tess))).code).toBe("NOT_FOUND");
    expect((await appError(setTicketClient(t.db, tenantB, { ticketId: theirs.id, clientId: contoso.id }, tess))).field).toBe("clientId");
    await expect(setTicketClient(t.db, tenantA, { ticketId: queued.id, clientId: "" }, tess)).rejects.toBeInstanceOf(ZodError);
  });

  it("R-UX-3 notes: author and time in the thread, refused when empty or on another tenant's ticket, moved by a merge", async () => {
    const dup = await ticket(tenantA, { clientId: contoso.id });
    const survivor = await ticket(tenantA, { clientId: contoso.id });
    const note = await addTicketNote(t.db, { tenantId: tenantA, authorId: sam }, { ticketId: dup.id, body: "  Called Jane: same issue as the other ticket.\r\n" });
    expect(note).toMatchObject({ body: "Called Jane: same issue as the other ticket.", author: { id: sam, name: "Sam Support" } });
    await expect(addTicketNote(t.db, { tenantId: tenantA, authorId: sam }, { ticketId: dup.id, body: " \n " })).rejects.toBeInstanceOf(ZodError);
    expect((await appError(addTicketNote(t.db, { tenantId: tenantB, authorId: sam }, { ticketId: dup.id, body: "x" }))).code).toBe("NOT_FOUND");
    expect((await detail(tenantA, dup.id)).notes.map((n) => n.body)).toEqual([note.body]);

    await mergeTickets(t.db, tenantA, { sourceId: dup.id, targetId: survivor.id }, tess);
    const merged = await detail(tenantA, survivor.id);
    expect(merged.notes).toEqual([expect.objectContaining({ id: note.id, author: { id: sam, name: "Sam Support" } })]);
    expect(await trail(survivor.id)).toEqual([`MERGED_FROM ∅ → #${dup.number} by Tess Tech`]);
    expect(await trail(dup.id)).toEqual([`STATUS OPEN → CLOSED by Tess Tech`, `MERGED_INTO ∅ → #${survivor.number} by Tess Tech`]);
    // The merged ticket takes no more notes.
    expect((await appError(addTicketNote(t.db, { tenantId: tenantA, authorId: sam }, { ticketId: dup.id, body: "late" }))).code).toBe("PRECONDITION");
  });

  it("R-UX-3 canned responses: unknown placeholders refused at save on the body, titles unique per tenant, rendered per ticket", async () => {
    const bad = await saveCannedResponse(t.db, tenantA, { title: "Typo", body: "Hi {{requester.fistName}}" }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ZodError);
    expect((bad as ZodError).issues).toEqual([
      expect.objectContaining({ path: ["body"], message: expect.stringContaining("{{requester.fistName}}") as unknown }),
    ]);
    const saved = await saveCannedResponse(t.db, tenantA, {
      title: "Printer fixed",
      body: "Hi {{requester.firstName}},\n\nTicket #{{ticket.number}} ({{ticket.subject}}) for {{client.name}} is fixed.\n\n{{technician.name}}",
    });
    expect((await appError(saveCannedResponse(t.db, tenantA, { title: "Printer fixed", body: "Again." }))).field).toBe("title");
    // Another tenant may use the same title; it never sees or renders tenant A's response.
    await saveCannedResponse(t.db, tenantB, { title: "Printer fixed", body: "Theirs." });
    expect((await listCannedResponses(t.db, tenantB)).items.map((i) => i.body)).toEqual(["Theirs."]);

    const tk = await ticket(tenantA, { clientId: contoso.id, from: "jane.doe@contoso.example" });
    await t.db.contact.update({ where: { id: tk.requesterId! }, data: { name: "Jane Doe" } });
    const rendered = await renderCannedResponse(t.db, { tenantId: tenantA, userId: tess }, { id: saved.id, ticketId: tk.id });
    expect(rendered).toEqual({
      title: "Printer fixed",
      body: `Hi Jane,\n\nTicket #${tk.number} (${tk.subject}) for Contoso is fixed.\n\nTess Tech`,
    });
    expect((await appError(renderCannedResponse(t.db, { tenantId: tenantB, userId: tess }, { id: saved.id, ticketId: tk.id }))).code).toBe("NOT_FOUND");

    const edited = await saveCannedResponse(t.db, tenantA, { id: saved.id, title: "Printer fixed", body: "Done, {{requester.name}}." });
    expect(edited.body).toBe("Done, {{requester.name}}.");
    expect((await appError(saveCannedResponse(t.db, tenantB, { id: saved.id, title: "Hijack", body: "x" }))).code).toBe("NOT_FOUND");
    expect((await appError(deleteCannedResponse(t.db, tenantB, { id: saved.id }))).code).toBe("NOT_FOUND");
    await deleteCannedResponse(t.db, tenantA, { id: saved.id });
    expect((await listCannedResponses(t.db, tenantA)).items).toEqual([]);
  });
});
