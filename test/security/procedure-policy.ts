/**
 * The declared access policy of every tRPC procedure (R-TEN-1, R-TEN-4), checked by
 * test/security/procedures.test.ts against appRouter: a procedure without an entry here fails that test, so
 * every new router declares who may call it and how to aim it at another tenant's data.
 *
 * One entry per procedure path:
 *   roles    who may call it (SPEC R-TEN-4: ADMIN everything; TECHNICIAN tickets + own profile; SUPPORT tickets +
 *            the Unattributed queue). Anonymous callers are always refused.
 *   input    a valid input for the caller's own tenant (omit for procedures without input). Called once per
 *            allowed role, so mutations must build a fresh target each time (use `w.unique()` / `w.make*`).
 *   foreign  an input that names the OTHER tenant's rows (omit only for procedures that take no ids: they are
 *            scoped by the session's tenant, and their results are checked for the other tenant's data).
 *
 * Adding a router: one line per procedure, e.g.
 *   "tickets.get": { roles: ALL, input: (w) => ({ id: w.own.ticketId }), foreign: (w) => ({ id: w.other.ticketId }) },
 * and, when it needs rows the world below does not have yet, create them in the factory through domain code
 * (`async (w) => ({ id: (await createTicket(w.db, w.other.tenantId, …)).id })`).
 */
import type { Db } from "../../server/db/client";
import type { Role } from "../../server/users/roles";
import { addBlocklistEntry } from "../../server/blocklist/manage-blocklist";
import { addContact } from "../../server/clients/add-contact";
import { createClient } from "../../server/clients/create-client";
import { createUser } from "../../server/users/create-user";

export const ALL: Role[] = ["ADMIN", "TECHNICIAN", "SUPPORT"];
export const ADMIN_ONLY: Role[] = ["ADMIN"];

export type TenantFixture = {
  tenantId: string;
  slug: string;
  users: Record<Role, { id: string; email: string }>;
  clientId: string;
  clientDomain: string;
  contactId: string;
  blocklistEntryId: string;
};

export type World = {
  db: Db;
  /** The caller's tenant. */
  own: TenantFixture;
  /** The tenant the caller must never reach. */
  other: TenantFixture;
  /** The user the current call runs as (own tenant). */
  caller: { id: string; role: Role };
  /** Current password of every user (profile.changePassword updates it). */
  passwords: Map<string, string>;
  unique(): string;
  makeClient(tenant: TenantFixture): Promise<string>;
  makeContact(tenant: TenantFixture): Promise<string>;
  makeBlocklistEntry(tenant: TenantFixture): Promise<string>;
  makeUser(tenant: TenantFixture, role?: Role): Promise<string>;
};

export type Policy = {
  roles: Role[];
  input?: (w: World) => unknown;
  foreign?: (w: World) => unknown;
};

const newPassword = (w: World) => `rotated password ${w.unique()}`;

export const procedurePolicies: Record<string, Policy> = {
  // Clients: everyone reads them (tickets show and pick clients); only admins change them.
  "clients.list": { roles: ALL, input: () => ({}) },
  "clients.get": { roles: ALL, input: (w) => ({ id: w.own.clientId }), foreign: (w) => ({ id: w.other.clientId }) },
  "clients.create": {
    roles: ADMIN_ONLY,
    input: (w) => ({ name: `C ${w.unique()}`, primaryDomain: `${w.unique()}.example` }),
  },
  "clients.update": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ clientId: await w.makeClient(w.own), name: `Renamed ${w.unique()}` }),
    foreign: (w) => ({ clientId: w.other.clientId, name: "Hijacked" }),
  },
  "clients.delete": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ id: await w.makeClient(w.own) }),
    foreign: (w) => ({ id: w.other.clientId }),
  },
  "clients.addContact": {
    roles: ADMIN_ONLY,
    input: (w) => ({ clientId: w.own.clientId, email: `new.${w.unique()}@${w.own.clientDomain}` }),
    foreign: (w) => ({ clientId: w.other.clientId, email: `mole.${w.unique()}@${w.other.clientDomain}` }),
  },
  "clients.updateContact": {
    roles: ADMIN_ONLY,
    input: async (w) => ({
      contactId: await w.makeContact(w.own),
      email: `changed.${w.unique()}@${w.own.clientDomain}`,
    }),
    foreign: (w) => ({ contactId: w.other.contactId, email: `hijacked@${w.other.clientDomain}` }),
  },
  "clients.removeContact": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ id: await w.makeContact(w.own) }),
    foreign: (w) => ({ id: w.other.contactId }),
  },

  // Users: admins only.
  "users.list": { roles: ADMIN_ONLY },
  "users.create": {
    roles: ADMIN_ONLY,
    input: (w) => ({
      name: "New",
      email: `u.${w.unique()}@${w.own.slug}.test`,
      role: "SUPPORT",
      password: "a new user password",
    }),
  },
  "users.update": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ userId: await w.makeUser(w.own), name: `Renamed ${w.unique()}` }),
    foreign: (w) => ({ userId: w.other.users.ADMIN.id, disabled: true }),
  },
  "users.resetPassword": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ userId: await w.makeUser(w.own), password: "a reset password 1" }),
    foreign: (w) => ({ userId: w.other.users.ADMIN.id, password: "attacker password 1" }),
  },

  // The signed-in user's own profile: every role (ids come from the session, never from input).
  "profile.me": { roles: ALL },
  "profile.update": { roles: ALL, input: (w) => ({ name: `Me ${w.unique()}` }) },
  "profile.changePassword": {
    roles: ALL,
    input: (w) => {
      const current = w.passwords.get(w.caller.id)!;
      const next = newPassword(w);
      w.passwords.set(w.caller.id, next);
      return { currentPassword: current, newPassword: next };
    },
  },

  // Email-gateway settings: admins only.
  "autoAck.get": { roles: ADMIN_ONLY },
  "autoAck.update": {
    roles: ADMIN_ONLY,
    input: (w) => ({ enabled: true, subject: `Received ${w.unique()}`, template: "We got it.", perSenderHour: 3 }),
  },
  "blocklist.list": { roles: ADMIN_ONLY, input: () => ({ includeRemoved: true }) },
  "blocklist.add": { roles: ADMIN_ONLY, input: (w) => ({ value: `spam.${w.unique()}.example` }) },
  "blocklist.remove": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ id: await w.makeBlocklistEntry(w.own) }),
    foreign: (w) => ({ id: w.other.blocklistEntryId }),
  },
  "blocklist.history": { roles: ADMIN_ONLY },
};

/** Builds one tenant with a user per role, a client with a domain and a contact, and a blocklist entry. */
export async function seedTenantFixture(
  db: Db,
  tenantId: string,
  slug: string,
  password: string,
  passwords: Map<string, string>,
): Promise<TenantFixture> {
  const users = {} as TenantFixture["users"];
  for (const role of ALL) {
    const email = `${role.toLowerCase()}@${slug}.test`;
    const user = await createUser(db, tenantId, { name: `${role} ${slug}`, email, role, password });
    users[role] = { id: user.id, email };
    passwords.set(user.id, password);
  }
  const clientDomain = `${slug}-client.example`;
  const client = await createClient(db, tenantId, { name: `Client of ${slug}`, primaryDomain: clientDomain });
  const contact = await addContact(db, tenantId, { clientId: client.id, email: `boss@${clientDomain}` });
  const entry = await addBlocklistEntry(db, { tenantId, userId: users.ADMIN.id, value: `blocked.${slug}.example` });
  return {
    tenantId,
    slug,
    users,
    clientId: client.id,
    clientDomain,
    contactId: contact.id,
    blocklistEntryId: entry.id,
  };
}

export function worldHelpers(db: Db, passwords: Map<string, string>) {
  let n = 0;
  const unique = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
  return {
    unique,
    makeClient: async (t: TenantFixture) =>
      (await createClient(db, t.tenantId, { name: `Target ${unique()}`, primaryDomain: `${unique()}.example` })).id,
    makeContact: async (t: TenantFixture) =>
      (await addContact(db, t.tenantId, { clientId: t.clientId, email: `c.${unique()}@${t.clientDomain}` })).id,
    makeBlocklistEntry: async (t: TenantFixture) =>
      (await addBlocklistEntry(db, { tenantId: t.tenantId, userId: t.users.ADMIN.id, value: `b.${unique()}.example` }))
        .id,
    makeUser: async (t: TenantFixture, role: Role = "SUPPORT") => {
      const user = await createUser(db, t.tenantId, {
        name: "Target",
        email: `t.${unique()}@${t.slug}.test`,
        role,
        password: "a target password",
      });
      passwords.set(user.id, "a target password");
      return user.id;
    },
  };
}
