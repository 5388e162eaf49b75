import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import { createUser } from "../users/create-user";
import { createTenant } from "./create-tenant";

export const DEMO_TENANT_SLUG = "demo";
export const DEMO_ADMIN_EMAIL = "admin@demo.local";

export type SeedDemoResult = {
  tenantId: string;
  adminEmail: string;
  /** The admin's password when this call created the admin; null when the admin already existed (kept as is). */
  password: string | null;
};

/**
 * Makes sure the demo tenant and its admin exist, so a fresh clone can log in after `npm start`. Idempotent:
 * an existing tenant and admin are left exactly as they are (a changed password is never overwritten).
 * `inboundDomain` is accepted so callers state where the demo mailbox lives; nothing about it is stored.
 */
export async function seedDemo(db: Db, options: { password?: string; inboundDomain: string }): Promise<SeedDemoResult> {
  const tenant =
    (await db.tenant.findUnique({ where: { slug: DEMO_TENANT_SLUG } })) ??
    (await createTenantOnce(db));
  const existing = await db.user.findUnique({ where: { email: DEMO_ADMIN_EMAIL }, select: { id: true } });
  if (existing) return { tenantId: tenant.id, adminEmail: DEMO_ADMIN_EMAIL, password: null };
  const password = options.password ?? generatePassword();
  try {
    await createUser(db, tenant.id, { name: "Demo Admin", email: DEMO_ADMIN_EMAIL, role: "ADMIN", password });
  } catch (err) {
    // Two starters at once: the other one created the admin first.
    if (await db.user.findUnique({ where: { email: DEMO_ADMIN_EMAIL }, select: { id: true } })) {
      return { tenantId: tenant.id, adminEmail: DEMO_ADMIN_EMAIL, password: null };
    }
    throw err;
  }
  return { tenantId: tenant.id, adminEmail: DEMO_ADMIN_EMAIL, password };
}

async function createTenantOnce(db: Db) {
  try {
    return await createTenant(db, { slug: DEMO_TENANT_SLUG, name: "Demo MSP" });
  } catch (err) {
    const raced = await db.tenant.findUnique({ where: { slug: DEMO_TENANT_SLUG } });
    if (raced) return raced;
    throw err;
  }
}

/** 20 characters from an unambiguous alphabet (about 110 bits): strong, and easy to read off a terminal. */
function generatePassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
  const bytes = randomBytes(20);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}
