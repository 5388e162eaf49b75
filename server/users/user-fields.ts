import { z } from "zod";

export const userName = z.string().trim().min(1, "Enter a name.").max(100, "Use at most 100 characters.");
export const userEmail = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email("Enter a valid email address.").max(254, "Use at most 254 characters."));

/** What screens and the tRPC context see of a user: never the password, never another tenant's fields. */
export const userSelect = {
  id: true,
  tenantId: true,
  name: true,
  email: true,
  role: true,
  disabled: true,
  sendAsAddress: true,
  sendAsName: true,
  twoFactorEnabled: true,
  createdAt: true,
} as const;
