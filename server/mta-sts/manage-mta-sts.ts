/**
 * A tenant's MTA-STS policy in the database (R-STS-1, R-STS-2): what the policy host serves, the records the
 * settings page shows, and switching the mode. Every change of mode writes a new policy id (RFC 8461 §3.1:
 * senders re-fetch a policy only when the id in `_mta-sts` changes) and a history row saying who and when.
 */
import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { newMtaStsPolicyId } from "../tenants/create-tenant";
import {
  mtaStsMode,
  mtaStsNames,
  mtaStsPolicyText,
  slugFromPolicyHost,
  stsRecordValue,
  tlsRptRecordValue,
  type MtaStsMode,
} from "./policy";

/** What the policy needs from configuration: the inbound domain and the MX hosts (MTA_STS_MX). */
export type MtaStsConfig = { inboundDomain: string; mx: string[] };

export const MTA_STS_HISTORY_LIMIT = 20;

export const setMtaStsModeInput = z.object({ mode: mtaStsMode });
export type SetMtaStsModeInput = z.infer<typeof setMtaStsModeInput>;

export type DnsRecord = { name: string; type: "TXT"; value: string; purpose: string };

export type MtaStsChange = {
  id: string;
  mode: MtaStsMode;
  policyId: string;
  at: Date;
  by: { id: string; name: string } | null;
};

export type MtaStsSettings = {
  mode: MtaStsMode;
  policyId: string;
  maxAge: number;
  policyDomain: string;
  policyUrl: string;
  policyText: string;
  mx: string[];
  reportMailbox: string;
  reportUrl: string;
  records: DnsRecord[];
  history: MtaStsChange[];
};

function asMode(value: string): MtaStsMode {
  const parsed = mtaStsMode.safeParse(value);
  // A value written by hand outside the app: serve the safe default rather than an invalid policy.
  return parsed.success ? parsed.data : "testing";
}

/** The tenant's policy, the records announcing it, and the latest mode changes (newest first). */
export async function getMtaStsSettings(db: Db, tenantId: string, config: MtaStsConfig): Promise<MtaStsSettings> {
  const tenant = await db.tenant.findUnique({
    where: { id: tenantId },
    select: { slug: true, mtaStsMode: true, mtaStsPolicyId: true, mtaStsMaxAge: true },
  });
  if (!tenant) throw new AppError("NOT_FOUND", "No such tenant.");
  const changes = await db.mtaStsPolicyChange.findMany({
    where: { tenantId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: MTA_STS_HISTORY_LIMIT,
    select: { id: true, mode: true, policyId: true, createdAt: true, changedBy: { select: { id: true, name: true } } },
  });
  const names = mtaStsNames(tenant.slug, config.inboundDomain);
  const mode = asMode(tenant.mtaStsMode);
  return {
    mode,
    policyId: tenant.mtaStsPolicyId,
    maxAge: tenant.mtaStsMaxAge,
    policyDomain: names.policyDomain,
    policyUrl: names.policyUrl,
    policyText: mtaStsPolicyText({ mode, mx: config.mx, maxAge: tenant.mtaStsMaxAge }),
    mx: config.mx,
    reportMailbox: names.reportMailbox,
    reportUrl: names.reportUrl,
    records: [
      {
        name: names.stsRecordName,
        type: "TXT",
        value: stsRecordValue(tenant.mtaStsPolicyId),
        purpose: "Announces the MTA-STS policy and its current id.",
      },
      {
        name: names.tlsRptRecordName,
        type: "TXT",
        value: tlsRptRecordValue(names),
        purpose: "Asks sending servers for daily TLS reports, by email and by HTTPS.",
      },
    ],
    history: changes.map((c) => ({
      id: c.id,
      mode: asMode(c.mode),
      policyId: c.policyId,
      at: c.createdAt,
      by: c.changedBy,
    })),
  };
}

/**
 * Switches the policy mode (testing ↔ enforce, or none to withdraw it). The policy gets a new id on every call,
 * so senders that cached the old policy fetch the new one; the change is kept in the history.
 */
export async function setMtaStsMode(
  db: Db,
  args: { tenantId: string; userId: string | null; mode: MtaStsMode },
): Promise<{ mode: MtaStsMode; policyId: string }> {
  const { mode } = setMtaStsModeInput.parse({ mode: args.mode });
  const policyId = newMtaStsPolicyId();
  return db.$transaction(async (tx) => {
    const { count } = await tx.tenant.updateMany({
      where: { id: args.tenantId },
      data: { mtaStsMode: mode, mtaStsPolicyId: policyId },
    });
    if (count === 0) throw new AppError("NOT_FOUND", "No such tenant.");
    await tx.mtaStsPolicyChange.create({ data: { tenantId: args.tenantId, mode, policyId, changedById: args.userId } });
    return { mode, policyId };
  });
}

/**
 * The policy file for a request's Host header (or the host a proxy forwarded), or null when the host is not
 * `mta-sts.<slug>.<INBOUND_DOMAIN>` of an existing tenant (the route answers 404).
 */
export async function policyForHost(
  db: Db,
  host: string | null | undefined | (string | null | undefined)[],
  config: MtaStsConfig,
): Promise<{ text: string; policyId: string; maxAge: number } | null> {
  // Several candidates (X-Forwarded-Host from a proxy, then Host): the first that is a policy host decides.
  const slug =
    [host]
      .flat()
      .map((h) => slugFromPolicyHost(h, config.inboundDomain))
      .find((s) => s !== null) ?? null;
  if (!slug) return null;
  const tenant = await db.tenant.findUnique({
    where: { slug },
    select: { mtaStsMode: true, mtaStsPolicyId: true, mtaStsMaxAge: true },
  });
  if (!tenant) return null;
  return {
    text: mtaStsPolicyText({ mode: asMode(tenant.mtaStsMode), mx: config.mx, maxAge: tenant.mtaStsMaxAge }),
    policyId: tenant.mtaStsPolicyId,
    maxAge: tenant.mtaStsMaxAge,
  };
}
