/**
 * Password rules and hashing. Hashing is better-auth's own (scrypt, the hasher its sign-in verifies against), so
 * passwords set here by admins, resets and seeding log in through better-auth unchanged. Never hand-rolled.
 */
import { z } from "zod";
import { hashPassword, verifyPassword } from "better-auth/crypto";

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 128;

export const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`)
  .max(MAX_PASSWORD_LENGTH, `Use at most ${MAX_PASSWORD_LENGTH} characters.`);

/** The providerId better-auth gives email + password accounts. */
export const CREDENTIAL_PROVIDER = "credential";

export { hashPassword, verifyPassword };
