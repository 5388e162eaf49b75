/**
 * Password rules and hashing. Hashing is better-auth's own (scrypt, the hasher its sign-in verifies against), so
 * passwords set here by admins, resets and seeding log in through better-auth unchanged. Never hand-rolled.
 */
import { hashPassword, verifyPassword } from "better-auth/crypto";

export { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password } from "./password-rules";

/** The providerId better-auth gives email + password accounts. */
export const CREDENTIAL_PROVIDER = "credential";

export { hashPassword, verifyPassword };
