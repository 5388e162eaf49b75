/** Ticket statuses and the small shared pieces of the ticket screens' domain code (R-TKT-*). */
import { z } from "zod";

export const ticketStatuses = ["OPEN", "PENDING", "CLOSED"] as const;
export const ticketStatus = z.enum(ticketStatuses);
export type TicketStatus = z.infer<typeof ticketStatus>;

export function parseTicketStatus(value: string): TicketStatus {
  const parsed = ticketStatus.safeParse(value);
  return parsed.success ? parsed.data : "OPEN";
}

export type Mailbox = { address: string; name: string | null };

/** Reads a stored `toJson`/`ccJson` list; a damaged value reads as empty rather than failing the page. */
export function parseMailboxes(json: string | null | undefined): Mailbox[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    if (!Array.isArray(value)) return [];
    return value.flatMap((m: unknown) => {
      if (typeof m !== "object" || m === null) return [];
      const { address, name } = m as { address?: unknown; name?: unknown };
      return typeof address === "string" && address
        ? [{ address, name: typeof name === "string" && name ? name : null }]
        : [];
    });
  } catch {
    return [];
  }
}
