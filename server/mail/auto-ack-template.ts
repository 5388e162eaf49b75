/**
 * The auto-acknowledgement's subject and body (R-IN-9): the defaults, the placeholders a template may use and
 * the renderer. Shared by the inbound pipeline (which sends it), the settings (which validate it) and the
 * settings form (which previews it), so it imports nothing: it runs in the browser too.
 */

/** Placeholders a template may use, with what they stand for (shown next to the template field). */
export const AUTO_ACK_PLACEHOLDERS = {
  ticketNumber: "the new ticket's number",
  subject: "the subject of the requester's message",
  tenantName: "your company's name, as mail is signed",
  requesterName: "the requester's name (empty when their mail carries none)",
  requesterNameComma: "“ Name,” after a greeting, or just “,” when there is no name",
} as const;

export type AutoAckPlaceholder = keyof typeof AUTO_ACK_PLACEHOLDERS;
export type AutoAckValues = Record<AutoAckPlaceholder, string>;

export const DEFAULT_ACK_SUBJECT = "[Ticket #{{ticketNumber}}] {{subject}}";
export const DEFAULT_ACK_TEMPLATE = [
  "Hello{{requesterNameComma}}",
  "",
  "Thank you for contacting {{tenantName}}. We have received your message and opened ticket #{{ticketNumber}}:",
  "“{{subject}}”.",
  "",
  "To add anything, simply reply to this email.",
  "",
  "{{tenantName}} support",
  "",
  "This is an automatic acknowledgement.",
].join("\n");

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

/** Replaces `{{name}}` (spaces inside the braces allowed) with its value; unknown names are left as written. */
export function renderAutoAck(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (all, key: string) => values[key] ?? all);
}

/** The `{{…}}` names in a template that are not placeholders we fill, each once, in order of appearance. */
export function unknownPlaceholders(template: string): string[] {
  const unknown = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (!Object.hasOwn(AUTO_ACK_PLACEHOLDERS, name)) unknown.add(name);
  }
  return [...unknown];
}

/** The values for a requester's message, as the pipeline fills them. */
export function autoAckValues(v: {
  ticketNumber: number;
  subject: string;
  tenantName: string;
  requesterName: string | null;
}): AutoAckValues {
  const name = v.requesterName ?? "";
  return {
    ticketNumber: String(v.ticketNumber),
    subject: v.subject,
    tenantName: v.tenantName,
    requesterName: name,
    requesterNameComma: name ? ` ${name},` : ",",
  };
}
