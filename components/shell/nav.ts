import type { Role } from "@/server/users/roles";

export type NavIcon =
  | "tickets"
  | "unattributed"
  | "spam"
  | "clients"
  | "inbound"
  | "sending-domains"
  | "blocklist"
  | "alert-rules"
  | "dmarc-reports"
  | "mta-sts"
  | "activity"
  | "health"
  | "canned-responses"
  | "users"
  | "profile";

export type NavItem = { href: string; label: string; icon: NavIcon; roles: readonly Role[] };
export type NavSection = { title: string | null; items: NavItem[] };

const everyone: readonly Role[] = ["ADMIN", "TECHNICIAN", "SUPPORT"];
const admins: readonly Role[] = ["ADMIN"];

/** The app's navigation; who sees what follows R-TEN-4 (the pages check the role again). */
export const navigation: NavSection[] = [
  {
    title: null,
    items: [
      { href: "/tickets", label: "Tickets", icon: "tickets", roles: everyone },
      { href: "/unattributed", label: "Unattributed", icon: "unattributed", roles: ["ADMIN", "SUPPORT"] },
      { href: "/spam", label: "Spam queue", icon: "spam", roles: ["ADMIN", "SUPPORT"] },
      { href: "/clients", label: "Clients", icon: "clients", roles: everyone },
    ],
  },
  {
    title: "Settings · PSA · Email gateway",
    items: [
      { href: "/settings/email-gateway/inbound", label: "Inbound", icon: "inbound", roles: admins },
      { href: "/settings/email-gateway/sending-domains", label: "Sending domains", icon: "sending-domains", roles: admins },
      { href: "/settings/email-gateway/blocklist", label: "Blocklist", icon: "blocklist", roles: admins },
      { href: "/settings/email-gateway/alert-rules", label: "Alert rules", icon: "alert-rules", roles: admins },
      { href: "/settings/email-gateway/dmarc-reports", label: "DMARC reports", icon: "dmarc-reports", roles: admins },
      { href: "/settings/email-gateway/mta-sts", label: "MTA-STS", icon: "mta-sts", roles: admins },
      { href: "/settings/email-gateway/activity", label: "Activity", icon: "activity", roles: admins },
      { href: "/settings/email-gateway/health", label: "Health", icon: "health", roles: admins },
    ],
  },
  {
    title: "Settings · PSA · Tickets",
    items: [
      { href: "/settings/tickets/canned-responses", label: "Canned responses", icon: "canned-responses", roles: admins },
    ],
  },
  {
    title: "Account",
    items: [
      { href: "/users", label: "Users", icon: "users", roles: admins },
      { href: "/profile", label: "Profile", icon: "profile", roles: everyone },
    ],
  },
];

export function navigationFor(role: Role): NavSection[] {
  return navigation
    .map((section) => ({ ...section, items: section.items.filter((item) => item.roles.includes(role)) }))
    .filter((section) => section.items.length > 0);
}
