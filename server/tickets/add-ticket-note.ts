import { z } from "zod";
import type { Db } from "../db/client";
import { openTicket } from "./update-ticket";

export const MAX_NOTE_CHARS = 20_000;

export const addTicketNoteInput = z.object({
  ticketId: z.string().min(1).max(100),
  body: z
    .string()
    .max(MAX_NOTE_CHARS, `Keep a note under ${MAX_NOTE_CHARS.toLocaleString("en")} characters.`)
    .refine((s) => s.trim().length > 0, "Write the note first."),
});
export type AddTicketNoteInput = z.input<typeof addTicketNoteInput>;

/**
 * An internal note on a ticket (R-UX-3), by a user of the tenant. A note is its own row, never a Message: the
 * outbound path, threading and quoted history only ever read messages, so a note cannot leave the building.
 * A merged ticket takes no notes: its survivor does.
 */
export async function addTicketNote(db: Db, params: { tenantId: string; authorId: string }, input: AddTicketNoteInput) {
  const { ticketId, body } = addTicketNoteInput.parse(input);
  await openTicket(db, params.tenantId, ticketId);
  return db.ticketNote.create({
    data: { tenantId: params.tenantId, ticketId, authorId: params.authorId, body: body.replace(/\r\n?/g, "\n").trim() },
    select: { id: true, body: true, createdAt: true, author: { select: { id: true, name: true } } },
  });
}
