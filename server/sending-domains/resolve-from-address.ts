/**
 * The one From resolution (R-OUT-1, R-DOM-4): the technician's send-as address, else the client's sending
 * override, else the tenant default. Whatever is chosen must be on a verified sending domain of the tenant, or
 * sending is refused naming the unmet record (R-OUT-2). The setters enforce the same rule when the address is
 * chosen, so the admin sees the problem on the form, not at the first reply.
 */
import { z } from "zod";
import type { Tx } from "../db/client";
import { sqlOf, type SqlConn } from "../db/sql";
import { AppError } from "../errors";
import { tenantMailbox } from "../mail/addresses";
import { normaliseDomain, withAsciiDomain } from "../domain-names";
import { domainOf } from "../mail/addresses";
import type { DomainCheck } from "./verify-sending-domain";

export type ResolvedFrom = {
  address: string;
  name: string;
  /** Which setting supplied the address. */
  source: "user" | "client" | "tenant";
  sendingDomain: { id: string; domain: string; selector: string };
};

/**
 * R-UX-1: until the tenant has configured a From (which needs a verified sending domain), replies go out from its
 * gateway address `support@<slug>.<INBOUND_DOMAIN>`, named after the tenant, signed with the gateway's own key.
 */
export type GatewayFrom = {
  address: string;
  name: string;
  source: "gateway";
  sendingDomain: null;
  /** d= and s= of the gateway's DKIM signature. */
  signing: { domain: string; selector: string };
};

/** What the gateway fallback needs to know: INBOUND_DOMAIN and the gateway key's selector. */
export type GatewaySender = { inboundDomain: string; selector: string };

/** Control characters (CR, LF, NUL, …) can never be part of a header value we write (R-OUT-5). */
const CONTROL_RE = /\p{Cc}/u;

const addressSchema = z
  .string()
  .trim()
  .max(254, "is too long")
  .refine((s) => !CONTROL_RE.test(s), "must not contain line breaks or control characters")
  // IDN domains are validated (and stored) in their ASCII form; the local part stays as typed.
  .transform(withAsciiDomain)
  .pipe(z.email("is not a valid email address"));

const nameSchema = z
  .string()
  .trim()
  .max(100)
  .refine((s) => !CONTROL_RE.test(s), "must not contain line breaks or control characters");

type DomainRow = { id: string; domain: string; selector: string; verified: boolean; checkJson: string | null };

/** "om202605._domainkey.example.com is missing"-style reasons of an unverified domain, from its last check. */
function unmetRecords(d: DomainRow): string {
  if (d.checkJson) {
    try {
      const check = JSON.parse(d.checkJson) as DomainCheck;
      const unmet = [check.spf, check.dkim].filter((r) => r.status !== "verified").map((r) => r.message);
      if (unmet.length) return unmet.join("; ");
    } catch {
      // fall through to the generic wording
    }
  }
  return `SPF record at ${d.domain} and DKIM record at ${d.selector}._domainkey.${d.domain} have not been verified yet (publish them, then click Verify)`;
}

/**
 * Finds the verified sending domain for `address` in the tenant. BAD_INPUT (field) when the domain is not one
 * of the tenant's sending domains; PRECONDITION (field) naming the unmet record when it is not verified.
 */
async function verifiedDomainFor(db: SqlConn, tenantId: string, address: string, field: string): Promise<DomainRow> {
  const domain = address.lastIndexOf("@") > 0 ? normaliseDomain(domainOf(address)) : null;
  if (!domain) throw new AppError("BAD_INPUT", `${address} is not a valid email address.`, { field });
  const row = await sqlOf(db)
    .selectFrom("SendingDomain")
    .select(["id", "domain", "selector", "verified", "checkJson"])
    .where("tenantId", "=", tenantId)
    .where("domain", "=", domain)
    .executeTakeFirst();
  if (!row) {
    throw new AppError(
      "BAD_INPUT",
      `${domain} is not one of your sending domains. Add it under Settings → Email gateway → Sending domains and verify it first.`,
      { field },
    );
  }
  if (!row.verified) {
    throw new AppError("PRECONDITION", `${domain} is not a verified sending domain: ${unmetRecords(row)}.`, { field });
  }
  return row;
}

function cleanName(name: string): string {
  return name.replace(/\p{Cc}+/gu, " ").trim();
}

/** Lower-cases the domain part only: local parts are case-sensitive in principle, domains never are. */
function canonicalAddress(address: string): string {
  return `${address.slice(0, address.lastIndexOf("@"))}@${domainOf(address)}`;
}

function parseField<T>(schema: z.ZodType<T>, value: unknown, field: string, label: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new AppError("BAD_INPUT", `${label} ${r.error.issues[0]?.message ?? "is invalid"}.`, { field });
  return r.data;
}

export const resolveFromAddressInput = z.object({
  tenantId: z.string().min(1),
  userId: z.string().min(1).optional(),
  clientId: z.string().min(1).nullable().optional(),
});
export type ResolveFromAddressInput = z.infer<typeof resolveFromAddressInput>;

/**
 * Resolves From for a message on behalf of `userId` (the author) about `clientId` (the ticket's client).
 * Throws PRECONDITION naming the unmet record when the chosen address's domain is not verified, and
 * PRECONDITION when no From address is configured at all. No silent fallback to a lower-priority address: the
 * technician chose that address, and sending from another one would surprise the client.
 */
export async function resolveFromAddress(db: SqlConn, input: ResolveFromAddressInput): Promise<ResolvedFrom>;
/**
 * With `gateway`, a tenant that has configured no From at all (no send-as address, client override or default
 * support address, each of which needs a verified domain) gets its gateway address instead of the refusal (R-UX-1).
 */
export async function resolveFromAddress(
  db: SqlConn,
  input: ResolveFromAddressInput,
  gateway: GatewaySender,
): Promise<ResolvedFrom | GatewayFrom>;
export async function resolveFromAddress(
  db: SqlConn,
  input: ResolveFromAddressInput,
  gateway?: GatewaySender,
): Promise<ResolvedFrom | GatewayFrom> {
  const { tenantId, userId, clientId } = resolveFromAddressInput.parse(input);
  // Kysely (server/db/sql.ts): this runs inside the MTA's ingest transaction for every acknowledgement.
  const sql = sqlOf(db);
  const tenant = await sql
    .selectFrom("Tenant")
    .select(["name", "slug", "defaultFromAddress", "defaultFromName"])
    .where("id", "=", tenantId)
    .executeTakeFirst();
  if (!tenant) throw new AppError("NOT_FOUND", "Tenant not found.");
  const tenantName = tenant.defaultFromName ?? tenant.name;

  let chosen: { address: string; name: string; source: ResolvedFrom["source"]; field: string } | undefined;
  if (userId) {
    const user = await sql
      .selectFrom("user")
      .select(["sendAsAddress", "sendAsName", "name"])
      .where("id", "=", userId)
      .where("tenantId", "=", tenantId)
      .executeTakeFirst();
    if (user?.sendAsAddress) {
      chosen = {
        address: user.sendAsAddress,
        name: user.sendAsName ?? user.name,
        source: "user",
        field: "sendAsAddress",
      };
    }
  }
  if (!chosen && clientId) {
    const client = await sql
      .selectFrom("Client")
      .leftJoin("SendingDomain", "SendingDomain.id", "Client.sendingDomainId")
      .select(["Client.sendingAddress", "Client.sendingName", "SendingDomain.domain"])
      .where("Client.id", "=", clientId)
      .where("Client.tenantId", "=", tenantId)
      .executeTakeFirst();
    const name = client?.sendingName ?? tenantName;
    if (client?.sendingAddress) {
      chosen = { address: client.sendingAddress, name, source: "client", field: "sendingAddress" };
    } else if (client?.domain) {
      // A domain override without an address keeps the tenant default's mailbox name on the client's domain.
      const local = tenant.defaultFromAddress?.slice(0, tenant.defaultFromAddress.lastIndexOf("@")) || "support";
      chosen = { address: `${local}@${client.domain}`, name, source: "client", field: "sendingDomainId" };
    }
  }
  if (!chosen && tenant.defaultFromAddress) {
    chosen = { address: tenant.defaultFromAddress, name: tenantName, source: "tenant", field: "defaultFromAddress" };
  }
  if (!chosen && gateway) {
    return {
      address: tenantMailbox(tenant.slug, gateway.inboundDomain),
      name: cleanName(tenantName),
      source: "gateway",
      sendingDomain: null,
      signing: { domain: gateway.inboundDomain, selector: gateway.selector },
    };
  }
  if (!chosen) {
    throw new AppError(
      "PRECONDITION",
      "No From address is configured: set the default support address under Settings → Email gateway → Sending domains.",
      { field: "defaultFromAddress" },
    );
  }
  const domain = await verifiedDomainFor(db, tenantId, chosen.address, chosen.field).catch((err: unknown) => {
    // At send time an unknown domain is a missing precondition too (the domain was removed after being chosen).
    if (err instanceof AppError && err.code === "BAD_INPUT") {
      throw new AppError("PRECONDITION", `Cannot send from ${chosen.address}: ${err.message}`, {
        field: chosen.field,
        cause: err,
      });
    }
    throw err;
  });
  return {
    address: canonicalAddress(chosen.address),
    name: cleanName(chosen.name),
    source: chosen.source,
    sendingDomain: { id: domain.id, domain: domain.domain, selector: domain.selector },
  };
}

export const setUserSendAsInput = z.object({
  tenantId: z.string().min(1),
  userId: z.string().min(1),
  /** null clears the send-as address (From falls back to the client override / tenant default). */
  address: z.string().nullable(),
  name: z.string().nullable().optional(),
});
export type SetUserSendAsInput = z.infer<typeof setUserSendAsInput>;

/** User profile → Email → Default sending address (R-DOM-4): only on a verified sending domain. */
export async function setUserSendAs(db: Tx, input: SetUserSendAsInput): Promise<void> {
  const { tenantId, userId } = setUserSendAsInput.parse(input);
  const user = await db.user.findFirst({ where: { id: userId, tenantId }, select: { id: true } });
  if (!user) throw new AppError("NOT_FOUND", "User not found.");
  if (input.address === null || input.address.trim() === "") {
    await db.user.update({ where: { id: userId }, data: { sendAsAddress: null, sendAsName: null } });
    return;
  }
  const address = parseField(addressSchema, input.address, "sendAsAddress", "The sending address");
  const name = input.name ? parseField(nameSchema, input.name, "sendAsName", "The sender name") || null : null;
  await verifiedDomainFor(db, tenantId, address, "sendAsAddress");
  await db.user.update({ where: { id: userId }, data: { sendAsAddress: canonicalAddress(address), sendAsName: name } });
}

export const setClientSendingOverrideInput = z.object({
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  /** null removes the override. */
  sendingDomainId: z.string().min(1).nullable(),
  /** Optional full address on that domain; without it the tenant default's mailbox name is used on the domain. */
  address: z.string().nullable().optional(),
  name: z.string().nullable().optional(),
});
export type SetClientSendingOverrideInput = z.infer<typeof setClientSendingOverrideInput>;

/** Client → Settings → Email (R-DOM-4): the client's sending domain/address override, on a verified domain. */
export async function setClientSendingOverride(db: Tx, input: SetClientSendingOverrideInput): Promise<void> {
  const { tenantId, clientId, sendingDomainId } = setClientSendingOverrideInput.parse(input);
  const client = await db.client.findFirst({ where: { id: clientId, tenantId }, select: { id: true } });
  if (!client) throw new AppError("NOT_FOUND", "Client not found.");
  if (sendingDomainId === null) {
    await db.client.update({
      where: { id: clientId },
      data: { sendingDomainId: null, sendingAddress: null, sendingName: null },
    });
    return;
  }
  const domain = await db.sendingDomain.findFirst({
    where: { id: sendingDomainId, tenantId },
    select: { id: true, domain: true, selector: true, verified: true, checkJson: true },
  });
  if (!domain) throw new AppError("BAD_INPUT", "Choose one of your sending domains.", { field: "sendingDomainId" });
  if (!domain.verified) {
    throw new AppError("PRECONDITION", `${domain.domain} is not a verified sending domain: ${unmetRecords(domain)}.`, {
      field: "sendingDomainId",
    });
  }
  let address: string | null = null;
  if (input.address) {
    address = canonicalAddress(parseField(addressSchema, input.address, "sendingAddress", "The sending address"));
    if (domainOf(address) !== domain.domain) {
      throw new AppError("BAD_INPUT", `The sending address must be on ${domain.domain}.`, { field: "sendingAddress" });
    }
  }
  const name = input.name ? parseField(nameSchema, input.name, "sendingName", "The sender name") || null : null;
  await db.client.update({
    where: { id: clientId },
    data: { sendingDomainId: domain.id, sendingAddress: address, sendingName: name },
  });
}

export const setTenantDefaultFromInput = z.object({
  tenantId: z.string().min(1),
  address: z.string(),
  name: z.string().nullable().optional(),
});
export type SetTenantDefaultFromInput = z.infer<typeof setTenantDefaultFromInput>;

/** The tenant's client-facing support address (e.g. support@your-msp.co.uk), on a verified sending domain. */
export async function setTenantDefaultFrom(db: Tx, input: SetTenantDefaultFromInput): Promise<void> {
  const { tenantId } = setTenantDefaultFromInput.parse(input);
  const address = parseField(addressSchema, input.address, "defaultFromAddress", "The support address");
  const name = input.name ? parseField(nameSchema, input.name, "defaultFromName", "The sender name") || null : null;
  await verifiedDomainFor(db, tenantId, address, "defaultFromAddress");
  const { count } = await db.tenant.updateMany({
    where: { id: tenantId },
    data: { defaultFromAddress: canonicalAddress(address), defaultFromName: name },
  });
  if (count === 0) throw new AppError("NOT_FOUND", "Tenant not found.");
}
