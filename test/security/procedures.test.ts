/**
 * Role matrix and tenant isolation over EVERY tRPC procedure (R-TEN-1, R-TEN-4), enumerated from appRouter:
 * - every procedure has a declared policy (test/security/procedure-policy.ts); a new procedure without one fails;
 * - each procedure × anonymous / ADMIN / TECHNICIAN / SUPPORT: anonymous → UNAUTHORIZED, a role the policy does
 *   not allow → FORBIDDEN with nothing changed, an allowed role → succeeds, and its result carries none of the
 *   other tenant's ids or addresses;
 * - each procedure that takes ids, called by every allowed role with the other tenant's ids → NOT_FOUND or
 *   FORBIDDEN, and every row of the other tenant is unchanged (a procedure that takes no ids reports these cases
 *   as skipped: not applicable);
 * - each procedure that takes an address or a domain (found in its input schema), called with the other
 *   tenant's (e.g. a From address on its verified sending domain) → refused where the policy says, and in any
 *   case the other tenant is unchanged and nothing of it comes back.
 * "Nothing changed" compares every row of every tenant-owned table (read from prisma/schema.prisma, so new
 * tables are covered), plus the tenant's users' credentials.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant } from "../../server/tenants/create-tenant";
import { createContextInner } from "../../server/trpc/init";
import { appRouter, createCaller } from "../../server/trpc/routers/_app";
import type { Role } from "../../server/users/roles";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import {
  ALL,
  procedurePolicies,
  seedTenantFixture,
  worldHelpers,
  type TenantFixture,
  type World,
} from "./procedure-policy";

const PASSWORD = "the starting password";

/** Every procedure path of appRouter, e.g. "clients.get". */
const procedures = Object.keys(
  (appRouter._def as unknown as { procedures: Record<string, unknown> }).procedures,
).sort();

/** Models with a tenantId column, from the one schema (so tables added later are checked too). */
const tenantModels = (() => {
  const schema = readFileSync(path.resolve(import.meta.dirname, "../../prisma/schema.prisma"), "utf8");
  const out: string[] = [];
  for (const m of schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    if (/^\s+tenantId\s+String\b/m.test(m[2]!)) out.push(m[1]!.charAt(0).toLowerCase() + m[1]!.slice(1));
  }
  return out;
})();

/** Input fields that carry an address or a domain (or a value that may be one), by their key path. */
const NAME_FIELD = /(^|\.)(address|email|domain|primaryDomain|aliasDomains|value)$/i;

/** The key paths of a procedure's input schema (zod objects, arrays, optionals), e.g. "to.[].address". */
function inputKeys(procedure: string): string[] {
  type Def = { type?: string; shape?: Record<string, unknown>; innerType?: unknown; element?: unknown; in?: unknown };
  const defOf = (schema: unknown) => (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
  const keys: string[] = [];
  const walk = (schema: unknown, prefix: string) => {
    const def = defOf(schema);
    if (!def) return;
    if (def.type === "object" && def.shape) {
      for (const [key, value] of Object.entries(def.shape)) {
        keys.push(prefix + key);
        walk(value, `${prefix}${key}.`);
      }
    } else if (def.type === "array") walk(def.element, `${prefix}[].`);
    else walk(def.innerType ?? def.in, prefix);
  };
  const proc = (appRouter._def as unknown as { procedures: Record<string, { _def: { inputs?: unknown[] } }> })
    .procedures[procedure];
  for (const input of proc?._def.inputs ?? []) walk(input, "");
  return keys;
}

type Caller = ReturnType<typeof createCaller>;

async function call(caller: Caller, procedure: string, input: unknown): Promise<unknown> {
  let fn: unknown = caller;
  for (const part of procedure.split(".")) fn = (fn as Record<string, unknown>)[part];
  return (fn as (input: unknown) => Promise<unknown>)(input);
}

async function outcome(
  promise: Promise<unknown>,
): Promise<{ ok: true; value: unknown } | { ok: false; code: string; message: string }> {
  try {
    return { ok: true, value: await promise };
  } catch (err) {
    if (err instanceof TRPCError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

it("every tRPC procedure has a declared access policy (add one line to test/security/procedure-policy.ts)", () => {
  expect(procedures.length).toBeGreaterThan(0);
  expect(
    procedures.filter((p) => !procedurePolicies[p]),
    "procedures without a policy",
  ).toEqual([]);
  expect(
    Object.keys(procedurePolicies).filter((p) => !procedures.includes(p)),
    "policies for procedures that no longer exist",
  ).toEqual([]);
  expect(
    procedures.filter((p) => inputKeys(p).some((k) => NAME_FIELD.test(k)) && !procedurePolicies[p]?.foreignName),
    "procedures that take an address or domain without a foreignName case",
  ).toEqual([]);
  // The schema walk sees the fields it must (so the check above cannot pass by seeing nothing).
  expect(inputKeys("tickets.reply")).toContain("to.[].address");
  expect(inputKeys("profile.setSendAs")).toContain("address");
  expect(tenantModels).toEqual(
    expect.arrayContaining(["client", "contact", "user", "blocklistEntry", "ticket", "message"]),
  );
});

/**
 * Procedures with a foreignName case, refusals first: the other cases may legitimately give the own tenant rows
 * that name the other tenant's domains (sendingDomains.add adds its domain, unverified), after which a refusal
 * would be about the own unverified row instead of the other tenant's verified one.
 */
const nameCases = procedures
  .filter((p) => procedurePolicies[p]?.foreignName)
  .sort(
    (a, b) => Number(!procedurePolicies[a]!.foreignName!.refused) - Number(!procedurePolicies[b]!.foreignName!.refused),
  );

/**
 * Two passes per database, each on a fresh one: ids and roles, then foreign addresses and domains (whose own-tenant
 * rows naming the other tenant's domains would trip the first pass's "nothing of the other tenant" checks).
 */
const passes = testProviders().flatMap(
  (p) =>
    [
      [p, "ids and roles"],
      [p, "addresses and domains"],
    ] as const,
);

describe.each(passes)("R-TEN-1 / R-TEN-4 every procedure × role × tenant on %s: %s", (provider, pass) => {
  let t: TestDatabase;
  let own: TenantFixture;
  let other: TenantFixture;
  const passwords = new Map<string, string>();
  let helpers: ReturnType<typeof worldHelpers>;
  /** Strings that identify the other tenant's data; none may appear in anything returned to the own tenant. */
  let otherMarkers: string[];

  const world = (caller: { id: string; role: Role }): World => ({
    db: t.db,
    own,
    other,
    caller,
    passwords,
    ...helpers,
  });
  const callerFor = (userId: string | null) =>
    createCaller(createContextInner({ db: t.db, session: userId ? { sessionId: `session-${userId}`, userId } : null }));

  async function snapshot(tenant: TenantFixture): Promise<string> {
    const parts: Record<string, unknown> = {};
    const db = t.db as unknown as Record<string, { findMany(args: unknown): Promise<{ id: string }[]> }>;
    for (const model of tenantModels) {
      const rows = await db[model]!.findMany({ where: { tenantId: tenant.tenantId } });
      parts[model] = rows.sort((a, b) => String(a.id).localeCompare(String(b.id)));
    }
    parts.tenant = await t.db.tenant.findUnique({ where: { id: tenant.tenantId } });
    const userIds = (await t.db.user.findMany({ where: { tenantId: tenant.tenantId }, select: { id: true } })).map(
      (u) => u.id,
    );
    parts.accounts = await t.db.account.findMany({ where: { userId: { in: userIds } }, orderBy: { id: "asc" } });
    return JSON.stringify(parts, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  }

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    const a = await createTenant(t.db, { slug: "alpha", name: "Alpha MSP" });
    const b = await createTenant(t.db, { slug: "bravo", name: "Bravo MSP" });
    own = await seedTenantFixture(t.db, a.id, "alpha", PASSWORD, passwords);
    other = await seedTenantFixture(t.db, b.id, "bravo", PASSWORD, passwords);
    helpers = worldHelpers(t.db, passwords);
    otherMarkers = [
      other.tenantId,
      other.clientId,
      other.contactId,
      other.blocklistEntryId,
      other.clientDomain,
      other.ticketId,
      other.unattributedTicketId,
      other.unattributedDomain,
      other.sendingDomainId,
      other.sendingDomain,
      other.activityId,
      other.dmarcReportId,
      `${other.slug}.test`,
      ...Object.values(other.users).map((u) => u.id),
    ];
  });
  afterAll(async () => {
    await t.drop();
  });

  describe.each(pass === "ids and roles" ? procedures : nameCases)("%s", (procedure) => {
    const policy = procedurePolicies[procedure];
    if (pass === "addresses and domains") {
      const foreignName = policy?.foreignName;
      if (!foreignName) return;
      it.each(ALL.filter((role) => policy.roles.includes(role)))(
        `%s naming the other tenant's address or domain → ${foreignName.refused ?? "only the own tenant"}, the other untouched`,
        async (role) => {
          const user = own.users[role];
          const input = await foreignName.input(world({ id: user.id, role }));
          const before = await snapshot(other);
          const result = await outcome(call(callerFor(user.id), procedure, input));
          if (foreignName.refused) {
            expect(result, JSON.stringify(result)).toMatchObject({ ok: false, code: foreignName.refused });
          } else if (result.ok) {
            // What the input itself named may come back; nothing else of the other tenant may.
            const named = JSON.stringify(input);
            const returned = JSON.stringify(result.value ?? null);
            for (const marker of otherMarkers.filter((m) => !named.includes(m)))
              expect(returned, `${procedure} returned the other tenant's ${marker}`).not.toContain(marker);
          }
          expect(await snapshot(other), "the other tenant is untouched").toBe(before);
        },
      );
      return;
    }

    it("anonymous → UNAUTHORIZED", async () => {
      if (!policy) throw new Error(`no policy for ${procedure}`);
      const w = world({ id: "nobody", role: "SUPPORT" });
      const input = policy.input ? await policy.input(w) : undefined;
      const result = await outcome(call(callerFor(null), procedure, input));
      expect(result).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    });

    it.each(ALL)("%s: allowed exactly where the policy says", async (role) => {
      if (!policy) throw new Error(`no policy for ${procedure}`);
      const user = own.users[role];
      const input = policy.input ? await policy.input(world({ id: user.id, role })) : undefined;
      const before = { own: await snapshot(own), other: await snapshot(other) };
      const result = await outcome(call(callerFor(user.id), procedure, input));
      if (policy.roles.includes(role)) {
        expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
        const returned = JSON.stringify((result as { value: unknown }).value ?? null);
        for (const marker of otherMarkers)
          expect(returned, `${procedure} returned the other tenant's ${marker}`).not.toContain(marker);
      } else {
        expect(result).toMatchObject({ ok: false, code: "FORBIDDEN" });
        expect(await snapshot(own), "a refused call changed nothing").toBe(before.own);
      }
      expect(await snapshot(other), "the other tenant is untouched").toBe(before.other);
    });

    // A procedure that takes no ids is scoped by the session (its results are checked above): these cases are
    // not applicable to it, and the run reports them as skipped rather than passed.
    const foreign = policy?.foreign;
    (foreign ? it.each(ALL) : it.skip.each(ALL))(
      "%s with the other tenant's ids → NOT_FOUND/FORBIDDEN and nothing changed",
      async (role) => {
        if (!foreign) throw new Error(`no foreign input for ${procedure}`);
        const user = own.users[role];
        const input = await foreign(world({ id: user.id, role }));
        const before = await snapshot(other);
        const result = await outcome(call(callerFor(user.id), procedure, input));
        expect(result, JSON.stringify(result)).toMatchObject({ ok: false });
        expect(["NOT_FOUND", "FORBIDDEN"]).toContain((result as { code: string }).code);
        expect(await snapshot(other)).toBe(before);
      },
    );
  });
});
