/**
 * Secrets at rest (R-DOM-1): AES-256-GCM under a key derived from APP_SECRET with HKDF-SHA256 and a purpose
 * label, so one APP_SECRET yields independent keys per use ("dkim-private-key", …) and a ciphertext sealed for
 * one purpose cannot be opened as another (the label is also the GCM additional data).
 *
 * Sealed form: `v1.<iv>.<ciphertext>.<tag>`, each part base64url. The version prefix lets a later scheme (a new
 * KDF, key rotation) coexist with rows written by this one.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
/** A fixed salt: HKDF's extract step still separates this product's keys from other uses of the same secret. */
const SALT = "opsmerge:secret-box:v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PURPOSE_RE = /^[a-z0-9][a-z0-9.:-]{0,63}$/;

/**
 * A key of `length` bytes for `purpose`, derived from the server secret with HKDF-SHA256. Other modules that need
 * a secret-derived key (e.g. Message-Id MACs) call this with their own label rather than reusing APP_SECRET raw.
 */
export function deriveKey(secret: string, purpose: string, length = 32): Buffer {
  if (!secret) throw new Error("secret-box: empty secret");
  if (!PURPOSE_RE.test(purpose)) throw new Error(`secret-box: invalid purpose label ${JSON.stringify(purpose)}`);
  return Buffer.from(hkdfSync("sha256", secret, SALT, purpose, length));
}

/** Encrypts `plaintext` for `purpose`; every call uses a fresh random IV, so equal inputs seal differently. */
export function seal(secret: string, purpose: string, plaintext: string | Buffer): string {
  const key = deriveKey(secret, purpose);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(purpose, "utf8"));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64url"), data.toString("base64url"), tag.toString("base64url")].join(".");
}

/**
 * Decrypts a value produced by `seal` with the same secret and purpose. Throws on any tampering, a wrong secret,
 * a wrong purpose or a malformed/unknown-version string — never returns garbage.
 */
export function open(secret: string, purpose: string, sealed: string): Buffer {
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION) throw new Error("secret-box: unrecognised sealed value");
  const [, ivPart, dataPart, tagPart] = parts as [string, string, string, string];
  const b64 = /^[A-Za-z0-9_-]*$/;
  if (![ivPart, dataPart, tagPart].every((p) => b64.test(p))) throw new Error("secret-box: malformed sealed value");
  const iv = Buffer.from(ivPart, "base64url");
  const tag = Buffer.from(tagPart, "base64url");
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error("secret-box: malformed sealed value");
  const decipher = createDecipheriv("aes-256-gcm", deriveKey(secret, purpose), iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(purpose, "utf8"));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(dataPart, "base64url")), decipher.final()]);
  } catch (err) {
    throw new Error("secret-box: authentication failed (tampered value, wrong secret or wrong purpose)", {
      cause: err,
    });
  }
}

/** `open` for values sealed from UTF-8 text. */
export function openString(secret: string, purpose: string, sealed: string): string {
  return open(secret, purpose, sealed).toString("utf8");
}

/** The purpose label DKIM private keys are sealed under. */
export const DKIM_KEY_PURPOSE = "dkim-private-key";
