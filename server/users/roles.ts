/**
 * Roles (R-TEN-4): ADMIN does everything; TECHNICIAN works tickets and edits their own profile; SUPPORT works
 * tickets and triages the Unattributed queue. Stored as plain strings (SQLite has no enums), validated here.
 */
import { z } from "zod";

export const roles = ["ADMIN", "TECHNICIAN", "SUPPORT"] as const;
export const role = z.enum(roles);
export type Role = z.infer<typeof role>;

export const roleLabels: Record<Role, string> = {
  ADMIN: "Admin",
  TECHNICIAN: "Technician",
  SUPPORT: "Support agent",
};

export function parseRole(value: string): Role {
  const parsed = role.safeParse(value);
  // An unknown stored role gets the least privilege rather than an error page.
  return parsed.success ? parsed.data : "SUPPORT";
}

/** What each role may do, in one line (Users page, role pickers). */
export const roleDescriptions: Record<Role, string> = {
  ADMIN: "Everything, including settings, sending domains and users.",
  TECHNICIAN: "Works tickets and replies to clients; edits their own profile.",
  SUPPORT: "Works tickets and triages the Unattributed queue.",
};
