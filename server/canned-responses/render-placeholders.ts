/**
 * The placeholders of canned responses (R-UX-3), in one pure module: validation at save (an unknown placeholder is
 * refused) and insertion into the composer (the values of one ticket) both read the same list and the same
 * pattern. No database, no I/O: `{{ name }}` in, text out.
 */

/** The values a canned response can use, as the composer knows them for one ticket. */
export type PlaceholderContext = {
  requester: { name: string | null; email: string | null } | null;
  ticket: { number: number; subject: string };
  technician: { name: string; email: string };
  client: { name: string } | null;
};

type Placeholder = { description: string; value: (c: PlaceholderContext) => string };

function firstName(name: string | null | undefined): string {
  return name?.trim().split(/\s+/u)[0] ?? "";
}

/** Every placeholder a canned response may use, with what it stands for (listed on the settings screen). */
export const PLACEHOLDERS = {
  "requester.firstName": {
    description: "The requester's first name (empty when only the address is known)",
    value: (c) => firstName(c.requester?.name),
  },
  "requester.name": {
    description: "The requester's full name, else their address",
    value: (c) => c.requester?.name?.trim() || c.requester?.email || "",
  },
  "requester.email": { description: "The requester's address", value: (c) => c.requester?.email ?? "" },
  "ticket.number": { description: "The ticket number, e.g. 1042", value: (c) => String(c.ticket.number) },
  "ticket.subject": { description: "The ticket's subject", value: (c) => c.ticket.subject },
  "technician.name": { description: "Your name (whoever inserts the response)", value: (c) => c.technician.name },
  "technician.firstName": { description: "Your first name", value: (c) => firstName(c.technician.name) },
  "technician.email": { description: "Your address", value: (c) => c.technician.email },
  "client.name": { description: "The ticket's client (empty when it has none)", value: (c) => c.client?.name ?? "" },
} satisfies Record<string, Placeholder>;

export type PlaceholderName = keyof typeof PLACEHOLDERS;

/** `{{name}}`, spaces inside the braces allowed. */
const PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;

function isPlaceholder(name: string): name is PlaceholderName {
  return Object.hasOwn(PLACEHOLDERS, name);
}

/** The placeholders in `body` that do not exist, each once, in order of appearance. */
export function unknownPlaceholders(body: string): string[] {
  const unknown = new Set<string>();
  for (const match of body.matchAll(PATTERN)) {
    const name = match[1] ?? "";
    if (!isPlaceholder(name)) unknown.add(name);
  }
  return [...unknown];
}

/** The message for a body with unknown placeholders, or null when every one is known. */
export function placeholderProblem(body: string): string | null {
  const unknown = unknownPlaceholders(body);
  if (!unknown.length) return null;
  const list = unknown.map((n) => `{{${n}}}`).join(", ");
  return `${unknown.length === 1 ? "Unknown placeholder" : "Unknown placeholders"}: ${list}. Use one of the placeholders listed below.`;
}

/** The body with every known placeholder replaced by its value; an unknown one is left as written. */
export function renderPlaceholders(body: string, context: PlaceholderContext): string {
  return body.replace(PATTERN, (whole, name: string) =>
    isPlaceholder(name) ? PLACEHOLDERS[name].value(context) : whole,
  );
}
