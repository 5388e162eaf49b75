/**
 * STARTTLS needs a certificate from the first start (R-IN-1): when SMTP_TLS_CERT/KEY are not configured, a
 * self-signed one is generated into DATA_DIR/tls once and reused. Senders doing opportunistic TLS (all of them
 * on port 25) accept it; MTA-STS enforce mode needs a real certificate, which the README says.
 */
import { getDiffieHellman } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { generate } from "selfsigned";
import type { Env } from "../env";
import { tlsFiles, type TlsFiles } from "./mta-settings";

export async function ensureTlsCertificate(env: Env): Promise<TlsFiles & { created: boolean }> {
  const files = tlsFiles(env);
  ensureDhparams(files.dhparam);
  if (!files.generated) {
    for (const f of [files.cert, files.key]) if (!existsSync(f)) throw new Error(`TLS file not found: ${f}`);
    return { ...files, created: false };
  }
  if (existsSync(files.cert) && existsSync(files.key)) return { ...files, created: false };
  mkdirSync(path.dirname(files.cert), { recursive: true, mode: 0o700 });
  const host = hostname();
  const pems = await generate([{ name: "commonName", value: host }], {
    keySize: 2048,
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: host },
          { type: 2, value: "localhost" },
          { type: 2, value: `*.${env.INBOUND_DOMAIN}` },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  // Write beside and rename: a second MTA starting at the same time never reads a half-written file.
  const suffix = `.${process.pid}.tmp`;
  writeFileSync(files.key + suffix, pems.private, { mode: 0o600 });
  writeFileSync(files.cert + suffix, pems.cert, { mode: 0o600 });
  renameSync(files.key + suffix, files.key);
  renameSync(files.cert + suffix, files.cert);
  return { ...files, created: true };
}

/**
 * Haraka wants DH parameters for DHE ciphers and otherwise runs `openssl dhparam 2048` on start (tens of seconds,
 * written into mta/config). The standard 2048-bit MODP group (RFC 3526 group 14) is what that would be replaced
 * by anyway; it is written as PKCS#3 DHParameter PEM (SEQUENCE { prime INTEGER, generator INTEGER }).
 */
function ensureDhparams(file: string): void {
  if (existsSync(file)) return;
  const group = getDiffieHellman("modp14");
  const integer = (bytes: Buffer) => {
    const body = bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
    return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
  };
  const content = Buffer.concat([integer(group.getPrime()), integer(group.getGenerator())]);
  const der = Buffer.concat([Buffer.from([0x30]), derLength(content.length), content]);
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `-----BEGIN DH PARAMETERS-----\n${lines.join("\n")}\n-----END DH PARAMETERS-----\n`);
  renameSync(tmp, file);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
