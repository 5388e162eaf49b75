/** Shapes of client and contact input, shared by the domain functions and the tRPC routers. */
import { z } from "zod";
import { AppError } from "../errors";
import { normaliseDomain } from "../domain-names";

export const clientName = z.string().trim().min(1, "Enter the client's name.").max(120, "Use at most 120 characters.");
export const clientNotes = z.string().trim().max(2000, "Use at most 2000 characters.");

/** Domains arrive as typed; the domain functions normalise them so the error can name the offending field. */
export const clientDomainsInput = z.object({
  primaryDomain: z.string().max(300).default(""),
  aliasDomains: z.array(z.string().max(300)).max(50, "At most 50 alias domains.").default([]),
});

export const contactName = z.string().trim().max(120, "Use at most 120 characters.");
export const contactEmail = z.string().trim().min(1, "Enter an email address.").max(254, "Use at most 254 characters.");

const LOCAL_PART_RE = /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$/;

/**
 * Lower-cases an address and IDN-normalises its domain, so a contact matches the sender of an inbound message
 * however either was written (R-IN-5). Throws BAD_INPUT on `field` when it is not an address.
 */
export function normaliseEmail(input: string, field = "email"): string {
  const value = input.trim().toLowerCase();
  const at = value.lastIndexOf("@");
  const local = value.slice(0, at);
  const domain = at > 0 ? normaliseDomain(value.slice(at + 1)) : null;
  if (at <= 0 || !domain || !LOCAL_PART_RE.test(local) || local.startsWith(".") || local.endsWith(".") || local.includes("..")) {
    throw new AppError("BAD_INPUT", `“${input.trim()}” is not a valid email address.`, { field });
  }
  return `${local}@${domain}`;
}
