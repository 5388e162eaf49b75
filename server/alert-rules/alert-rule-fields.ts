/**
 * What an admin may save as an alert rule (R-AUTO-2), checked once here for the form and the API: messages name
 * the field they belong to. The sender goes through the blocklist's parser, so a rule accepts exactly the
 * addresses, domains and patterns the blocklist does.
 */
import { z } from "zod";
import { AppError, isAppError } from "../errors";
import { parseBlocklistInput } from "../mail/blocklist";
import { ALERT_RULE_ACTIONS, SUBJECT_MODES } from "./match-alert-rule";

export const TICKET_STATUSES = ["OPEN", "PENDING", "CLOSED"] as const;
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,75}$/;

const text = (max: number, label: string) =>
  z
    .string()
    .max(max, `Use at most ${max} characters for the ${label}.`)
    .transform((s) => s.trim())
    .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), `The ${label} cannot contain control characters.`);

export const alertRuleInput = z.object({
  name: text(100, "name").refine((s) => s.length > 0, "Give the rule a name."),
  enabled: z.boolean().default(true),
  sender: text(254, "sender").default(""),
  subjectMode: z.enum(SUBJECT_MODES).default("CONTAINS"),
  subject: text(200, "subject").default(""),
  headerName: text(76, "header name").default(""),
  headerValue: text(200, "header value").default(""),
  action: z.enum(ALERT_RULE_ACTIONS),
  clientId: z.string().max(64).nullish(),
  ticketStatus: z.enum(TICKET_STATUSES).default("OPEN"),
});
export type AlertRuleInput = z.input<typeof alertRuleInput>;

export type AlertRuleData = {
  name: string;
  enabled: boolean;
  senderKind: string | null;
  senderValue: string | null;
  subjectMode: string | null;
  subjectValue: string | null;
  headerName: string | null;
  headerValue: string | null;
  action: (typeof ALERT_RULE_ACTIONS)[number];
  clientId: string | null;
  ticketStatus: string | null;
};

/** Validates and normalises a rule; throws AppError BAD_INPUT naming the field. */
export function parseAlertRuleInput(input: AlertRuleInput): AlertRuleData {
  const parsed = alertRuleInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("BAD_INPUT", issue?.message ?? "Check the rule.", { field: String(issue?.path[0] ?? "name") });
  }
  const r = parsed.data;
  let sender: { kind: string; value: string } | null = null;
  if (r.sender) {
    try {
      sender = parseBlocklistInput(r.sender);
    } catch (err) {
      if (isAppError(err)) throw new AppError("BAD_INPUT", err.message, { field: "sender" });
      throw err;
    }
  }
  if (r.headerName && !HEADER_NAME.test(r.headerName)) {
    throw new AppError("BAD_INPUT", "A header name has letters, digits and hyphens only, such as X-Alert-Severity.", {
      field: "headerName",
    });
  }
  if (r.headerValue && !r.headerName) {
    throw new AppError("BAD_INPUT", "Name the header whose value this is.", { field: "headerName" });
  }
  if (!sender && !r.subject && !r.headerName) {
    throw new AppError("BAD_INPUT", "Give a sender, a subject or a header: a rule without conditions would catch all mail.", {
      field: "sender",
    });
  }
  return {
    name: r.name,
    enabled: r.enabled,
    senderKind: sender?.kind ?? null,
    senderValue: sender?.value ?? null,
    subjectMode: r.subject ? r.subjectMode : null,
    subjectValue: r.subject ? r.subject.toLowerCase() : null,
    headerName: r.headerName ? r.headerName.toLowerCase() : null,
    headerValue: r.headerName ? (r.headerValue || "*").toLowerCase() : null,
    action: r.action,
    clientId: r.action === "OPEN" ? (r.clientId ?? null) : null,
    ticketStatus: r.action === "OPEN" ? r.ticketStatus : null,
  };
}
