/**
 * What the sending-domain screens read (R-DOM-1…4): the list with each record's last status and any drift, one
 * domain with the exact records to publish and its last check, and the choices the From settings offer
 * (verified domains only). Every query is scoped by tenantId (R-TEN-1).
 */
import type { Tx } from "../db/client";
import { displayDomain, displayEmail } from "../domain-names";
import { AppError } from "../errors";
import type { Resolver } from "../dns/resolver";
import { dmarcReportAddress } from "../mail/addresses";
import { getSendingDomain, listSendingDomains, type SendingDomainView } from "./manage-sending-domains";
import { recordsToPublish, type RecordsToPublish } from "./records-to-publish";
import type { DomainCheck, RecordStatus } from "./verify-sending-domain";

/** A record's stored status: one of the check outcomes, or `unchecked` before the first Verify. */
export type StoredStatus = RecordStatus | "unchecked";

export type SendingDomainSummary = {
  id: string;
  domain: string;
  /** The Unicode form people read (bücher.example for xn--bcher-kva.example). */
  displayName: string;
  selector: string;
  spfStatus: StoredStatus;
  dkimStatus: StoredStatus;
  dmarcStatus: StoredStatus;
  verified: boolean;
  lastCheckedAt: Date | null;
  createdAt: Date;
  /** Set when a verified domain stopped verifying (scheduled re-check or Verify), until it verifies again. */
  drift: { at: string; records: string[] } | null;
  /** How many clients use it as their sending override. */
  clientCount: number;
};

function storedStatus(s: string): StoredStatus {
  return s === "verified" || s === "missing" || s === "wrong" ? s : "unchecked";
}

/** The last check stored on the row, or null (never checked, or unreadable). */
export function parseCheck(checkJson: string | null): DomainCheck | null {
  if (!checkJson) return null;
  try {
    return JSON.parse(checkJson) as DomainCheck;
  } catch {
    return null;
  }
}

function summary(d: SendingDomainView, clientCount: number): SendingDomainSummary {
  return {
    id: d.id,
    domain: d.domain,
    displayName: displayDomain(d.domain),
    selector: d.selector,
    spfStatus: storedStatus(d.spfStatus),
    dkimStatus: storedStatus(d.dkimStatus),
    dmarcStatus: storedStatus(d.dmarcStatus),
    verified: d.verified,
    lastCheckedAt: d.lastCheckedAt,
    createdAt: d.createdAt,
    drift: parseCheck(d.checkJson)?.drift ?? null,
    clientCount,
  };
}

/** The tenant's sending domains for the list screen, alphabetically. */
export async function listSendingDomainSummaries(db: Tx, tenantId: string): Promise<SendingDomainSummary[]> {
  const [domains, counts] = await Promise.all([
    listSendingDomains(db, tenantId),
    db.client.groupBy({
      by: ["sendingDomainId"],
      where: { tenantId, sendingDomainId: { not: null } },
      _count: { _all: true },
    }),
  ]);
  const byDomain = new Map(counts.map((c) => [c.sendingDomainId, c._count._all]));
  return domains.map((d) => summary(d, byDomain.get(d.id) ?? 0));
}

export type SendingDomainDetails = {
  domain: SendingDomainSummary;
  records: RecordsToPublish;
  /** The last Verify / re-check, or null before the first one. */
  check: DomainCheck | null;
  /** Set when the domain's current SPF record could not be read, so the SPF shown may need merging by hand. */
  spfLookupProblem: string | null;
  /** Addresses that currently send from this domain (tenant default, clients, users), for the remove warning. */
  usedBy: { tenantDefault: boolean; clients: number; users: number };
};

export type SendingDomainDetailsInput = {
  tenantId: string;
  id: string;
  resolver: Resolver;
  /** SPF_INCLUDE */
  spfInclude: string;
  /** INBOUND_DOMAIN: the DMARC rua is the tenant's report mailbox there. */
  inboundDomain: string;
};

/**
 * One domain with the exact records to publish (R-DOM-1), the SPF merged with what the domain publishes now and
 * its look-ups counted (R-DOM-2), and the last check (R-DOM-3). A DNS failure while reading the current SPF
 * record does not fail the page: the plain record is shown with a note saying the merge could not be done.
 */
export async function sendingDomainDetails(db: Tx, input: SendingDomainDetailsInput): Promise<SendingDomainDetails> {
  const { tenantId, id } = input;
  const [d, tenant, clients] = await Promise.all([
    getSendingDomain(db, tenantId, id),
    db.tenant.findUnique({ where: { id: tenantId }, select: { slug: true, defaultFromAddress: true } }),
    db.client.count({ where: { tenantId, sendingDomainId: id } }),
  ]);
  if (!tenant) throw new AppError("NOT_FOUND", "Tenant not found.");
  const users = await db.user.count({ where: { tenantId, sendAsAddress: { endsWith: `@${d.domain}` } } });
  const base = { spfInclude: input.spfInclude, dmarcRua: dmarcReportAddress(tenant.slug, input.inboundDomain) };
  let records: RecordsToPublish;
  let spfLookupProblem: string | null = null;
  try {
    records = await recordsToPublish(d, { ...base, resolver: input.resolver });
  } catch (err) {
    const code = (err as { code?: string }).code ?? "error";
    spfLookupProblem = `The current SPF record of ${d.domain} could not be read (DNS ${code}). If the domain already publishes SPF, add the gateway's terms to it rather than publishing a second record.`;
    records = await recordsToPublish(d, { ...base, existingSpf: [] });
  }
  return {
    domain: summary(d, clients),
    records,
    check: parseCheck(d.checkJson),
    spfLookupProblem,
    usedBy: {
      tenantDefault: (tenant.defaultFromAddress ?? "").toLowerCase().endsWith(`@${d.domain}`),
      clients,
      users,
    },
  };
}

export type VerifiedDomainOption = { id: string; domain: string; displayName: string };

/** The tenant's verified sending domains: the only ones From settings may use (R-DOM-4). */
export async function listVerifiedSendingDomains(db: Tx, tenantId: string): Promise<VerifiedDomainOption[]> {
  const rows = await db.sendingDomain.findMany({
    where: { tenantId, verified: true },
    select: { id: true, domain: true },
    orderBy: { domain: "asc" },
  });
  return rows.map((r) => ({ ...r, displayName: displayDomain(r.domain) }));
}

export type TenantDefaultFrom = {
  address: string | null;
  name: string | null;
  /** The tenant's name, used as the sender name when none is set. */
  tenantName: string;
  verifiedDomains: VerifiedDomainOption[];
};

/** The tenant's client-facing support address (R-DOM-4 tenant default) and the domains it may be on. */
export async function getTenantDefaultFrom(db: Tx, tenantId: string): Promise<TenantDefaultFrom> {
  const [tenant, verifiedDomains] = await Promise.all([
    db.tenant.findUnique({
      where: { id: tenantId },
      select: { name: true, defaultFromAddress: true, defaultFromName: true },
    }),
    listVerifiedSendingDomains(db, tenantId),
  ]);
  if (!tenant) throw new AppError("NOT_FOUND", "Tenant not found.");
  return {
    address: tenant.defaultFromAddress ? displayEmail(tenant.defaultFromAddress) : null,
    name: tenant.defaultFromName,
    tenantName: tenant.name,
    verifiedDomains,
  };
}

export type UserSendAs = {
  address: string | null;
  name: string | null;
  /** The user's own name, the sender name when none is set. */
  userName: string;
  verifiedDomains: VerifiedDomainOption[];
  /** What replies use when the user has no send-as address. */
  tenantDefault: string | null;
};

/** User profile → Email → Default sending address: the current value and the domains it may be on. */
export async function getUserSendAs(db: Tx, tenantId: string, userId: string): Promise<UserSendAs> {
  const [user, tenant, verifiedDomains] = await Promise.all([
    db.user.findFirst({
      where: { id: userId, tenantId },
      select: { name: true, sendAsAddress: true, sendAsName: true },
    }),
    db.tenant.findUnique({ where: { id: tenantId }, select: { defaultFromAddress: true } }),
    listVerifiedSendingDomains(db, tenantId),
  ]);
  if (!user) throw new AppError("NOT_FOUND", "User not found.");
  return {
    address: user.sendAsAddress ? displayEmail(user.sendAsAddress) : null,
    name: user.sendAsName,
    userName: user.name,
    verifiedDomains,
    tenantDefault: tenant?.defaultFromAddress ? displayEmail(tenant.defaultFromAddress) : null,
  };
}

export type ClientSendingOverride = {
  sendingDomain: { id: string; domain: string; displayName: string; verified: boolean } | null;
  address: string | null;
  name: string | null;
  /** Every sending domain of the tenant; only verified ones are accepted (the form says which are not). */
  domains: (VerifiedDomainOption & { verified: boolean })[];
  tenantDefault: string | null;
};

/** Client → Settings → Email: the client's sending override and the domains it may be on. */
export async function getClientSendingOverride(
  db: Tx,
  tenantId: string,
  clientId: string,
): Promise<ClientSendingOverride> {
  const [client, tenant, domains] = await Promise.all([
    db.client.findFirst({
      where: { id: clientId, tenantId },
      select: {
        sendingAddress: true,
        sendingName: true,
        sendingDomain: { select: { id: true, domain: true, verified: true } },
      },
    }),
    db.tenant.findUnique({ where: { id: tenantId }, select: { defaultFromAddress: true } }),
    db.sendingDomain.findMany({
      where: { tenantId },
      select: { id: true, domain: true, verified: true },
      orderBy: { domain: "asc" },
    }),
  ]);
  if (!client) throw new AppError("NOT_FOUND", "No such client.");
  const sd = client.sendingDomain;
  return {
    sendingDomain: sd ? { ...sd, displayName: displayDomain(sd.domain) } : null,
    address: client.sendingAddress ? displayEmail(client.sendingAddress) : null,
    name: client.sendingName,
    domains: domains.map((d) => ({ ...d, displayName: displayDomain(d.domain) })),
    tenantDefault: tenant?.defaultFromAddress ? displayEmail(tenant.defaultFromAddress) : null,
  };
}
