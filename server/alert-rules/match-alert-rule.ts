/**
 * Alert rules (R-AUTO-2): which rule, in order, a message matches. Pure: the MTA, the "try a message" panel and
 * the tests call the same function. The sender is matched by the blocklist's own matcher (one syntax and one
 * implementation for "address, domain or pattern"), subjects and header values by its glob matcher, never by a
 * regular expression built from what an admin typed.
 */
import { globMatch, matchBlocklist } from "../mail/blocklist";
import type { HeaderList } from "../mail/automatic-mail";

export const ALERT_RULE_ACTIONS = ["OPEN", "APPEND", "CLOSE", "DROP"] as const;
export type AlertRuleAction = (typeof ALERT_RULE_ACTIONS)[number];
export const SUBJECT_MODES = ["CONTAINS", "GLOB"] as const;
export type SubjectMode = (typeof SUBJECT_MODES)[number];

export type AlertRuleConditions = {
  id: string;
  enabled: boolean;
  senderKind: string | null;
  senderValue: string | null;
  subjectMode: string | null;
  subjectValue: string | null;
  headerName: string | null;
  headerValue: string | null;
};

export type MailFacts = {
  /** Header From and envelope sender, either may be null (a bounce has no one). */
  senderAddresses: readonly (string | null)[];
  subject: string | null;
  headers: HeaderList;
};

function senderMatches(rule: AlertRuleConditions, facts: MailFacts): boolean {
  if (!rule.senderKind || !rule.senderValue) return true;
  const entry = [{ id: rule.id, kind: rule.senderKind, value: rule.senderValue }];
  return facts.senderAddresses.some((a) => !!a && matchBlocklist(entry, a) !== null);
}

function subjectMatches(rule: AlertRuleConditions, facts: MailFacts): boolean {
  if (!rule.subjectMode || !rule.subjectValue) return true;
  const subject = (facts.subject ?? "").toLowerCase();
  const value = rule.subjectValue.toLowerCase();
  return rule.subjectMode === "GLOB" ? globMatch(value, subject) : subject.includes(value);
}

function headerMatches(rule: AlertRuleConditions, facts: MailFacts): boolean {
  if (!rule.headerName) return true;
  const name = rule.headerName.toLowerCase();
  const pattern = (rule.headerValue || "*").toLowerCase();
  return facts.headers.some(([n, v]) => n.toLowerCase() === name && globMatch(pattern, String(v ?? "").trim().toLowerCase()));
}

/** Whether every condition of the rule holds (a disabled rule never matches). */
export function alertRuleMatches(rule: AlertRuleConditions, facts: MailFacts): boolean {
  return rule.enabled && senderMatches(rule, facts) && subjectMatches(rule, facts) && headerMatches(rule, facts);
}

/** The first rule, in the given order, that matches; null when none does. */
export function matchAlertRule<R extends AlertRuleConditions>(rules: readonly R[], facts: MailFacts): R | null {
  return rules.find((rule) => alertRuleMatches(rule, facts)) ?? null;
}

/** A rule's conditions in words, for the rule list and the activity detail. */
export function describeAlertRuleConditions(rule: Omit<AlertRuleConditions, "id" | "enabled">): string {
  const parts: string[] = [];
  if (rule.senderKind && rule.senderValue) {
    const kind = rule.senderKind === "DOMAIN" ? "domain" : rule.senderKind === "PATTERN" ? "matching" : "";
    parts.push(`sender ${kind ? `${kind} ` : ""}${rule.senderValue}`);
  }
  if (rule.subjectMode && rule.subjectValue) {
    parts.push(rule.subjectMode === "GLOB" ? `subject like “${rule.subjectValue}”` : `subject contains “${rule.subjectValue}”`);
  }
  if (rule.headerName) {
    parts.push(
      !rule.headerValue || rule.headerValue === "*"
        ? `header ${rule.headerName} present`
        : `header ${rule.headerName} like “${rule.headerValue}”`,
    );
  }
  return parts.join(" and ") || "any message";
}
