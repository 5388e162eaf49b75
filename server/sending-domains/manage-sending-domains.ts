/**
 * Sending domains of a tenant (R-DOM-1): add (validated, IDN-normalised, RSA-2048 DKIM key generated, private key
 * sealed with secret-box), list, get, remove. Every query is scoped by tenantId (R-TEN-1).
 */
import { sqlOf, type SqlConn } from "../db/sql";
import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { z } from "zod";
import type { Tx } from "../db/client";
import { AppError } from "../errors";
import { DKIM_KEY_PURPOSE, openString, seal } from "../crypto/secret-box";
import { displayDomain, isPublicSuffix, isUnderFreeMailDomain } from "../domain-names";
import { normaliseDomain } from "../domain-names";

const generateKeyPairAsync = promisify(generateKeyPair);

export const addSendingDomainInput = z.object({
  tenantId: z.string().min(1),
  domain: z.string().max(300),
  /** APP_SECRET: the private key is sealed under a key derived from it. */
  secret: z.string().min(1),
  /** For tests and key rotation; default `om` + yyyymm of now. */
  selector: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/)
    .optional(),
});
export type AddSendingDomainInput = z.infer<typeof addSendingDomainInput>;

/** The stored row without the sealed private key: what the UI and other modules may see. */
export type SendingDomainView = {
  id: string;
  tenantId: string;
  domain: string;
  selector: string;
  dkimPublicKey: string;
  spfStatus: string;
  dkimStatus: string;
  dmarcStatus: string;
  checkJson: string | null;
  verified: boolean;
  lastCheckedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

const viewSelect = {
  id: true,
  tenantId: true,
  domain: true,
  selector: true,
  dkimPublicKey: true,
  spfStatus: true,
  dkimStatus: true,
  dmarcStatus: true,
  checkJson: true,
  verified: true,
  lastCheckedAt: true,
  createdAt: true,
  updatedAt: true,
} as const;

/**
 * The default selector: `om` + the year and month the key was made (e.g. `om202605`). Dated selectors let a
 * future rotation publish the next key beside the current one without a name clash.
 */
export function defaultSelector(now = new Date()): string {
  return `om${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
}

/**
 * Adds a sending domain: BAD_INPUT (field "domain") when it is not a valid domain, CONFLICT when the tenant
 * already has it. The DKIM key pair is RSA-2048; the public key is kept as the base64 SubjectPublicKeyInfo that
 * goes into `p=`, the private key only sealed.
 */
export async function addSendingDomain(db: Tx, input: AddSendingDomainInput): Promise<SendingDomainView> {
  const parsed = addSendingDomainInput.safeParse(input);
  if (!parsed.success) throw new AppError("BAD_INPUT", "Enter a domain name such as example.com.", { field: "domain" });
  const { tenantId, secret } = parsed.data;
  const domain = normaliseDomain(parsed.data.domain);
  if (!domain) {
    throw new AppError("BAD_INPUT", `"${parsed.data.domain.slice(0, 100)}" is not a valid domain name.`, {
      field: "domain",
    });
  }
  // Guards: a public suffix (co.uk) or a free-mail provider (gmail.com) is never one MSP's to sign for.
  if (isPublicSuffix(domain)) {
    throw new AppError(
      "BAD_INPUT",
      `${displayDomain(domain)} is a public suffix (anyone can register names under it), not your domain. Enter your own domain, such as your-msp.${displayDomain(domain)}.`,
      { field: "domain" },
    );
  }
  if (isUnderFreeMailDomain(domain)) {
    throw new AppError(
      "BAD_INPUT",
      `${displayDomain(domain)} belongs to a free-mail provider: you cannot publish its DNS records. Enter the domain of your own support address.`,
      { field: "domain" },
    );
  }
  const existing = await db.sendingDomain.findUnique({
    where: { tenantId_domain: { tenantId, domain } },
    select: { id: true },
  });
  if (existing) throw new AppError("CONFLICT", `${domain} is already a sending domain.`, { field: "domain" });

  const { publicKey, privateKey } = await generateKeyPairAsync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "der" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  try {
    return await db.sendingDomain.create({
      data: {
        tenantId,
        domain,
        selector: parsed.data.selector ?? defaultSelector(),
        dkimPublicKey: publicKey.toString("base64"),
        dkimPrivateKeyEnc: seal(secret, DKIM_KEY_PURPOSE, privateKey),
      },
      select: viewSelect,
    });
  } catch (err) {
    // Two admins adding the same domain at once: the unique index decides, the loser gets the same CONFLICT.
    if ((err as { code?: string }).code === "P2002") {
      throw new AppError("CONFLICT", `${domain} is already a sending domain.`, { field: "domain", cause: err });
    }
    throw err;
  }
}

/** The tenant's sending domains, alphabetically. */
export async function listSendingDomains(db: Tx, tenantId: string): Promise<SendingDomainView[]> {
  return db.sendingDomain.findMany({ where: { tenantId }, select: viewSelect, orderBy: { domain: "asc" } });
}

/** One sending domain of the tenant; NOT_FOUND when it is not the tenant's. */
export async function getSendingDomain(db: Tx, tenantId: string, id: string): Promise<SendingDomainView> {
  const row = await db.sendingDomain.findFirst({ where: { id, tenantId }, select: viewSelect });
  if (!row) throw new AppError("NOT_FOUND", "Sending domain not found.");
  return row;
}

/**
 * Removes a sending domain. Clients that used it as their override lose it (the schema sets it null) and fall
 * back to the tenant default; addresses on the domain stay stored but are refused at send time (R-OUT-2).
 */
export async function removeSendingDomain(db: Tx, tenantId: string, id: string): Promise<void> {
  const { count } = await db.sendingDomain.deleteMany({ where: { id, tenantId } });
  if (count === 0) throw new AppError("NOT_FOUND", "Sending domain not found.");
}

/** The decrypted DKIM private key (PEM) of a tenant's sending domain, for signing only; it never leaves the server. */
export async function sendingDomainPrivateKey(
  db: SqlConn,
  secret: string,
  tenantId: string,
  id: string,
): Promise<string> {
  const row = await sqlOf(db)
    .selectFrom("SendingDomain")
    .select("dkimPrivateKeyEnc")
    .where("id", "=", id)
    .where("tenantId", "=", tenantId)
    .executeTakeFirst();
  if (!row) throw new AppError("NOT_FOUND", "Sending domain not found.");
  return openString(secret, DKIM_KEY_PURPOSE, row.dkimPrivateKeyEnc);
}
