/**
 * What "N messages" on a ticket counts, the same on Tickets and Unattributed (B6): every message of its thread,
 * in both directions (the client's mail, our replies and auto-acknowledgements), never an internal note.
 * Use as `_count: { select: { messages: THREAD_MESSAGE_COUNT } }`.
 */
export const THREAD_MESSAGE_COUNT = { where: { kind: { not: "NOTE" } } } as const;
