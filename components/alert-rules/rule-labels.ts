import type { AlertRuleAction } from "@/server/alert-rules/match-alert-rule";

export const ACTION_LABEL: Record<AlertRuleAction, string> = {
  OPEN: "Open a ticket",
  APPEND: "Append to the open ticket",
  CLOSE: "Close the open ticket (recovery)",
  DROP: "Drop",
};

export const ACTION_HINT: Record<AlertRuleAction, string> = {
  OPEN: "A new ticket with the client and status below (repeats still fold into it).",
  APPEND: "Added to the sender's newest open ticket of the repeat window, or a new ticket when there is none.",
  CLOSE: "Added to the sender's newest open ticket of the repeat window, which is then closed.",
  DROP: "Accepted and dropped, logged in Activity with this rule (like the blocklist).",
};

export const ACTION_TONE: Record<AlertRuleAction, "indigo" | "amber" | "slate" | "green"> = {
  OPEN: "indigo",
  APPEND: "slate",
  CLOSE: "green",
  DROP: "amber",
};
