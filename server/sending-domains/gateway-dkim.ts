/**
 * The gateway's own DKIM key for INBOUND_DOMAIN (R-UX-1): replies of a tenant without a verified sending domain go
 * out from `support@<slug>.<INBOUND_DOMAIN>`, signed d=<INBOUND_DOMAIN>. The key comes from GATEWAY_DKIM_KEY (PEM
 * text, or the path of a PEM file) or is generated once into DATA_DIR/gateway-dkim.pem, like the TLS certificate.
 * Web and MTA may start at the same time: the file is created with an exclusive link, so both end up reading the
 * one key that won, never two different ones.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Env } from "../env";
import { recordsToPublish, type RecordToPublish } from "./records-to-publish";

export type GatewayDkim = {
  /** INBOUND_DOMAIN: the d= of the signature. */
  domain: string;
  selector: string;
  privateKeyPem: string;
  /** Base64 SubjectPublicKeyInfo, what goes into `p=`. */
  publicKeyBase64: string;
};

export type GatewayDkimOptions = {
  inboundDomain: string;
  selector: string;
  dataDir: string;
  /** GATEWAY_DKIM_KEY: PEM text or a path to a PEM file. */
  configuredKey?: string | undefined;
};

/** The generated key's file under DATA_DIR. */
export function gatewayDkimKeyFile(dataDir: string): string {
  return path.join(dataDir, "gateway-dkim.pem");
}

function readConfiguredKey(value: string): string {
  const text = value.includes("-----BEGIN") ? value : readFileSync(value, "utf8");
  return text.replace(/\\n/g, "\n");
}

function generatedKey(dataDir: string): string {
  const file = gatewayDkimKeyFile(dataDir);
  if (existsSync(file)) return readFileSync(file, "utf8");
  mkdirSync(dataDir, { recursive: true });
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, privateKey, { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    // Another process created it first: its key is the one.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    unlinkSync(tmp);
  }
  return readFileSync(file, "utf8");
}

const cache = new Map<string, GatewayDkim>();

/** The gateway's key, read (or generated) once per process. Throws naming GATEWAY_DKIM_KEY when it is unreadable. */
export function gatewayDkim(options: GatewayDkimOptions): GatewayDkim {
  const cacheKey = `${options.inboundDomain}\0${options.selector}\0${options.dataDir}\0${options.configuredKey ?? ""}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  let privateKeyPem: string;
  let publicKeyBase64: string;
  try {
    privateKeyPem = options.configuredKey ? readConfiguredKey(options.configuredKey) : generatedKey(options.dataDir);
    const key = createPrivateKey(privateKeyPem);
    if (key.asymmetricKeyType !== "rsa") throw new Error("not an RSA key");
    publicKeyBase64 = createPublicKey(key).export({ type: "spki", format: "der" }).toString("base64");
  } catch (err) {
    const where = options.configuredKey ? "GATEWAY_DKIM_KEY" : gatewayDkimKeyFile(options.dataDir);
    throw new Error(
      `The gateway DKIM key (${where}) is unreadable: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const dkim = { domain: options.inboundDomain, selector: options.selector, privateKeyPem, publicKeyBase64 };
  cache.set(cacheKey, dkim);
  return dkim;
}

/** The gateway's key as the environment configures it (GATEWAY_DKIM_KEY / _SELECTOR, INBOUND_DOMAIN, DATA_DIR). */
export function gatewayDkimFromEnv(env: Env): GatewayDkim {
  return gatewayDkim({
    inboundDomain: env.INBOUND_DOMAIN,
    selector: env.GATEWAY_DKIM_SELECTOR,
    dataDir: env.DATA_DIR,
    configuredKey: env.GATEWAY_DKIM_KEY,
  });
}

export type GatewayRecords = { domain: string; spf: RecordToPublish; dkim: RecordToPublish; dmarc: RecordToPublish };

/**
 * The records the operator publishes once for INBOUND_DOMAIN (README, docs/deployment.md, the Sending domains page):
 * SPF authorising the gateway (SPF_INCLUDE), the gateway's DKIM key, and DMARC (relaxed alignment covers every
 * `<slug>.<INBOUND_DOMAIN>` From).
 */
export async function gatewayRecords(dkim: GatewayDkim, options: { spfInclude: string }): Promise<GatewayRecords> {
  const r = await recordsToPublish(
    { domain: dkim.domain, selector: dkim.selector, dkimPublicKey: dkim.publicKeyBase64 },
    { spfInclude: options.spfInclude, dmarcRua: `postmaster@${dkim.domain}`, existingSpf: [] },
  );
  return { domain: dkim.domain, spf: r.spf, dkim: r.dkim, dmarc: r.dmarc };
}
