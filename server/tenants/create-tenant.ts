import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";

export const createTenantInput = z.object({
  /** Becomes the inbound subdomain `<slug>.<INBOUND_DOMAIN>` (R-TEN-2), so it must be a DNS label. */
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "Use lower-case letters, digits and hyphens (a DNS label)."),
  name: z.string().trim().min(1, "Enter a name.").max(100),
});
export type CreateTenantInput = z.infer<typeof createTenantInput>;

/** A fresh MTA-STS policy id (RFC 8461: 1–32 alphanumerics); every policy change needs a new one (R-STS-2). */
export function newMtaStsPolicyId(): string {
  return randomBytes(12).toString("hex");
}

/** Creates a tenant (an MSP). Its slug is unique: it names the tenant's inbound mail subdomain. */
export async function createTenant(db: Db, input: CreateTenantInput) {
  const data = createTenantInput.parse(input);
  const taken = await db.tenant.findUnique({ where: { slug: data.slug }, select: { id: true } });
  if (taken) throw new AppError("CONFLICT", `The tenant slug “${data.slug}” is taken.`, { field: "slug" });
  return db.tenant.create({ data: { slug: data.slug, name: data.name, mtaStsPolicyId: newMtaStsPolicyId() } });
}
